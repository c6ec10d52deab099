--@include common
-- Remove leased items whose token still holds the lease: ARGV = ns, then (queue, id, token) per item.
-- Returns one 1 (removed) or 0 (stale token, nothing changed) per item. Concurrent acks arrive here
-- batched, so the per-queue work is done with one command per structure.
local by_queue, order = {}, {}
for i = 2, #ARGV, 3 do
  local queue = ARGV[i]
  local group = by_queue[queue]
  if not group then
    group = { ids = {}, tokens = {}, slots = {} }
    by_queue[queue] = group
    order[#order + 1] = queue
  end
  group.ids[#group.ids + 1] = ARGV[i + 1]
  group.tokens[#group.tokens + 1] = ARGV[i + 2]
  group.slots[#group.slots + 1] = (i + 1) / 3
end

local out = {}
for _, queue in ipairs(order) do
  local group = by_queue[queue]
  local lease_key = qk(queue, 'lease')
  local held = redis.call('HMGET', lease_key, unpack(group.ids))
  local acked = {}
  for k, id in ipairs(group.ids) do
    if held[k] == group.tokens[k] then
      acked[#acked + 1] = id
      out[group.slots[k]] = 1
    else
      out[group.slots[k]] = 0
    end
  end
  if #acked > 0 then
    redis.call('HDEL', lease_key, unpack(acked))
    redis.call('ZREM', qk(queue, 'inflight'), unpack(acked))
    redis.call('HDEL', qk(queue, 'msg'), unpack(acked))
    redis.call('HDEL', qk(queue, 'att'), unpack(acked))
    redis.call('HDEL', qk(queue, 'err'), unpack(acked))
    redis.call('HDEL', qk(queue, 'pri'), unpack(acked))
    unhold(queue, acked)
  end
end
return out
