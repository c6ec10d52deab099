--@include common
-- Page of failed items, oldest first: ARGV = ns, queue, offset, limit.
-- Returns { id, json, info, ... } where info is `attempt|failedAt|errorJson`.
local queue, offset, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local ids = redis.call('ZRANGE', qk(queue, 'failed'), offset, offset + limit - 1)
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', qk(queue, 'fmsg'), id)
  out[#out + 1] = redis.call('HGET', qk(queue, 'finfo'), id)
end
return out
