--@include common
-- Bind a queue to a pattern (idempotent): ARGV = ns, queue, pattern.
local queue, pattern = ARGV[2], ARGV[3]
redis.call('SADD', NS .. 'queues', queue)
redis.call('SADD', NS .. 'qp:' .. queue, pattern)
redis.call('SADD', NS .. 'pq:' .. pattern, queue)
redis.call('SADD', NS .. 'patterns', pattern)
return 1
