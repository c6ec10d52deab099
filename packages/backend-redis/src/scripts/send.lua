--@include common
-- Put messages straight into one queue: ARGV = ns, now, queue, then (id, dueAt, priority, json, key,
-- keyMode, keyTtlMs) per message (key '' = none). Returns the key outcomes flattened as (index, queue,
-- outcome, id) per keyed item (index 0-based).
local now = tonumber(ARGV[2])
local queue = ARGV[3]
redis.call('SADD', NS .. 'queues', queue)
for i = 4, #ARGV, 7 do
  local key = ARGV[i + 4]
  if key == '' then
    enqueue(queue, ARGV[i], ARGV[i + 3], tonumber(ARGV[i + 1]), now, tonumber(ARGV[i + 2]))
  else
    enqueue_keyed((i - 4) / 7, queue, ARGV[i], ARGV[i + 3], tonumber(ARGV[i + 1]), now, tonumber(ARGV[i + 2]), key, ARGV[i + 5], tonumber(ARGV[i + 6]))
  end
end
flush_ready()
announce()
return outcomes
