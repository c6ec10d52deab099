--@include common
-- Remove leased items whose token still holds the lease, keeping those acked with `keep` as completed:
-- ARGV = ns, now, then (queue, id, token, count, ageMs, result) per item; count '' = plain ack (no
-- keep), result '' = kept without a result. Returns one 1 (acked) or 0 (stale token, nothing changed)
-- per item. A kept item goes to the queue's `cdone` zset (score = completion time; re-adding an id
-- moves it) with its message in `cmsg` and `attempt|expiresAt|result` in `cinfo`; the queue's completed
-- items are then trimmed to the last kept item's bounds (newest `count`, none older than `ageMs`), which
-- costs O(log n) plus the items removed. Concurrent acks arrive here batched, so the per-queue work is
-- done with one command per structure.
local now = tonumber(ARGV[2])
local by_queue, order = {}, {}
for i = 3, #ARGV, 6 do
  local queue = ARGV[i]
  local group = by_queue[queue]
  if not group then
    group = { ids = {}, tokens = {}, slots = {}, keeps = {} }
    by_queue[queue] = group
    order[#order + 1] = queue
  end
  local k = #group.ids + 1
  group.ids[k] = ARGV[i + 1]
  group.tokens[k] = ARGV[i + 2]
  group.slots[k] = (i - 3) / 6 + 1
  if ARGV[i + 3] ~= '' then group.keeps[k] = { tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), ARGV[i + 5] } end
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
for _, queue in ipairs(order) do
  local group = by_queue[queue]
  local lease_key = qk(queue, 'lease')
  local held = redis.call('HMGET', lease_key, unpack(group.ids))
  local acked = {}
  local kept, kept_info = {}, {}
  local last_keep = nil
  for k, id in ipairs(group.ids) do
    if held[k] == group.tokens[k] then
      acked[#acked + 1] = id
      out[group.slots[k]] = 1
      local keep = group.keeps[k]
      if keep then
        kept[#kept + 1] = id
        kept_info[#kept_info + 1] = keep
        last_keep = keep
      end
    else
      out[group.slots[k]] = 0
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
