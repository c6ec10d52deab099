--@include common
-- Exact counts of one queue: ARGV = ns, now, queue, promoteLimit. Returns { ready, delayed, inFlight, failed, paused }.
-- Due delayed publishes are routed first (they belong to no queue until then); a queue's own delayed
-- items that are already due count as ready without being moved, so this stays O(log n).
local now, queue, limit = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
while promote_published(now, limit) == limit do end
announce()
local due = redis.call('ZCOUNT', qk(queue, 'delayed'), '-inf', ARGV[2])
return {
  ready_count(queue) + due,
  redis.call('ZCARD', qk(queue, 'delayed')) - due,
  redis.call('ZCARD', qk(queue, 'inflight')),
  redis.call('ZCARD', qk(queue, 'failed')),
  redis.call('SISMEMBER', NS .. 'paused', queue),
}
