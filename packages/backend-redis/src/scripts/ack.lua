--@include common
-- Remove leased items whose token still holds the lease, keeping those acked with a keep as completed:
-- ARGV = ns, now, then per queue: queue, n, and n items (id, token, keep), keep '' = plain ack, else
-- `count|ageMs|result` (result '' = kept without one). Returns one 1 (acked) or 0 (stale token, nothing
-- changed) per item, in argument order. A kept item goes to the queue's `cdone` zset (score = completion
-- time; re-adding an id moves it) with its message in `cmsg` and `attempt|expiresAt|result` in `cinfo`;
-- the queue's completed items are then trimmed to the last kept item's bounds (newest `count`, none
-- older than `ageMs`), which costs O(log n) plus the items removed. Concurrent acks arrive here batched
-- and grouped by queue, so the per-queue work is done with one command per structure.
local now = tonumber(ARGV[2])
local groups = {}
local i = 3
while i <= #ARGV do
  local n = tonumber(ARGV[i + 1])
  local group = { queue = ARGV[i], ids = {}, tokens = {}, keeps = {} }
  for k = 1, n do
    local at = i + 2 + (k - 1) * 3
    group.ids[k] = ARGV[at]
    group.tokens[k] = ARGV[at + 1]
    local keep = ARGV[at + 2]
    if keep ~= '' then
      local a = string.find(keep, '|', 1, true)
      local b = string.find(keep, '|', a + 1, true)
      group.keeps[k] = { tonumber(string.sub(keep, 1, a - 1)), tonumber(string.sub(keep, a + 1, b - 1)), string.sub(keep, b + 1) }
    end
  end
  groups[#groups + 1] = group
  i = i + 2 + n * 3
end

-- Drop completed items of a queue beyond `count` (oldest first) or completed before `now - age_ms`.
local function trim_completed(queue, count, age_ms)
  local done = qk(queue, 'cdone')
  local old = redis.call('ZRANGEBYSCORE', done, '-inf', '(' .. (now - age_ms))
  local n = redis.call('ZCARD', done) - #old
  local extra = n > count and redis.call('ZRANGE', done, #old, #old + n - count - 1) or {}
  for _, ids in ipairs({ old, extra }) do
    if #ids > 0 then
      chunked('HDEL', qk(queue, 'cmsg'), ids)
      chunked('HDEL', qk(queue, 'cinfo'), ids)
    end
  end
  if #old + #extra > 0 then redis.call('ZREMRANGEBYRANK', done, 0, #old + #extra - 1) end
end

local out = {}
for _, group in ipairs(groups) do
  local queue = group.queue
  local lease_key = qk(queue, 'lease')
  local held = redis.call('HMGET', lease_key, unpack(group.ids))
  local acked = {}
  local kept, kept_info = {}, {}
  local last_keep = nil
  for k, id in ipairs(group.ids) do
    if held[k] == group.tokens[k] then
      acked[#acked + 1] = id
      out[#out + 1] = 1
      local keep = group.keeps[k]
      if keep then
        kept[#kept + 1] = id
        kept_info[#kept_info + 1] = keep
        last_keep = keep
      end
    else
      out[#out + 1] = 0
    end
  end
  if #kept > 0 then
    -- One command per structure for the whole batch: the messages and attempts are read together,
    -- and the completed zset and hashes written together (re-adding an id moves it to now).
    local msgs = redis.call('HMGET', qk(queue, 'msg'), unpack(kept))
    local atts = redis.call('HMGET', qk(queue, 'att'), unpack(kept))
    local scores, m_fields, i_fields = {}, {}, {}
    for k, id in ipairs(kept) do
      scores[#scores + 1] = now
      scores[#scores + 1] = id
      m_fields[#m_fields + 1] = id
      m_fields[#m_fields + 1] = msgs[k]
      i_fields[#i_fields + 1] = id
      i_fields[#i_fields + 1] = (atts[k] or '0') .. '|' .. (now + kept_info[k][2]) .. '|' .. kept_info[k][3]
    end
    chunked('ZADD', qk(queue, 'cdone'), scores)
    chunked('HSET', qk(queue, 'cmsg'), m_fields)
    chunked('HSET', qk(queue, 'cinfo'), i_fields)
  end
  if #acked > 0 then
    release_keys(queue, acked)
    redis.call('HDEL', lease_key, unpack(acked))
    redis.call('ZREM', qk(queue, 'inflight'), unpack(acked))
    redis.call('HDEL', qk(queue, 'msg'), unpack(acked))
    redis.call('HDEL', qk(queue, 'att'), unpack(acked))
    redis.call('HDEL', qk(queue, 'err'), unpack(acked))
    redis.call('HDEL', qk(queue, 'pri'), unpack(acked))
    unhold(queue, acked)
    gended(queue, acked)
    freed_slot(queue)
  end
  if last_keep then trim_completed(queue, last_keep[1], last_keep[2]) end
end
announce()
return out
