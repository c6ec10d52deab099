--@include common
-- Remove a registration if this instance holds it: ARGV = ns, id, instance. Returns 1 or 0.
local key = NS .. 'w:' .. ARGV[2]
if redis.call('HGET', key, 'inst') ~= ARGV[3] then return 0 end
redis.call('DEL', key)
redis.call('ZREM', NS .. 'workers', ARGV[2])
return 1
