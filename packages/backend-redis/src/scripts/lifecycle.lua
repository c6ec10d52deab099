--@include common
-- Publish lifecycle events and count them: ARGV = ns, now, then per event three values: queue, field,
-- json, where field is the counter to add one to ('completed', 'failed', 'retried') or '' (active,
-- progress: not counted). The counts and the PUBLISHes on each queue's channel `ev:<queue>` happen in
-- this one call, so a consumer's batch of events costs one round trip; PUBLISH to a channel nobody
-- subscribes to is O(1). Counters live in the queue's hash `counts`, with `since` set by the first
-- count. Returns the number of events published.
local now = ARGV[2]
local n = 0
for i = 3, #ARGV, 3 do
  local queue, field, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if field ~= '' then
    local counts = qk(queue, 'counts')
    redis.call('HINCRBY', counts, field, 1)
    redis.call('HSETNX', counts, 'since', now)
  end
  redis.call('PUBLISH', NS .. 'ev:' .. queue, json)
  n = n + 1
end
return n
