--@include common
-- Remove one binding (idempotent): ARGV = ns, queue, pattern.
local queue, pattern = ARGV[2], ARGV[3]
redis.call('SREM', NS .. 'qp:' .. queue, pattern)
redis.call('SREM', NS .. 'pq:' .. pattern, queue)
if redis.call('SCARD', NS .. 'pq:' .. pattern) == 0 then
  redis.call('SREM', NS .. 'patterns', pattern)
end
return 1
