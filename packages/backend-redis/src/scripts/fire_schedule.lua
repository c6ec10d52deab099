--@include common
-- Fire one occurrence exactly once (compare-and-set on nextRunAt and updatedAt, publish in the same step).
-- ARGV = ns, now, name, expectedRunAt, expectedUpdatedAt, nextRunAt, id, eventName, json. Returns 1 or 0.
local now, name = tonumber(ARGV[2]), ARGV[3]
local key = NS .. 's:' .. name
local cur = redis.call('HMGET', key, 'next', 'upd')
if cur[1] ~= ARGV[4] or cur[2] ~= ARGV[5] then return 0 end
redis.call('HSET', key, 'next', ARGV[6], 'last', ARGV[4])
deliver(ARGV[8], ARGV[7], ARGV[9], now, 0)
flush_ready()
announce()
return 1
