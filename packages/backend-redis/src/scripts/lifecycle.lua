--@include common
-- Publish a lifecycle event of a queue and count it: ARGV = ns, queue, now, field, json, where field
-- is the counter to add one to ('completed', 'failed', 'retried') or '' (active, progress: not
-- counted). The count and the PUBLISH on the queue's channel `ev:<queue>` happen in this one call, so
-- the event costs one round trip; PUBLISH to a channel nobody subscribes to is O(1). Counters live in
-- the queue's hash `counts`, with `since` set by the first count. Returns the number of receivers.
local queue, now, field, json = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if field ~= '' then
  local counts = qk(queue, 'counts')
  redis.call('HINCRBY', counts, field, 1)
  redis.call('HSETNX', counts, 'since', now)
end
return redis.call('PUBLISH', NS .. 'ev:' .. queue, json)
