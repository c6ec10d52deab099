--@include common
-- Put messages straight into one queue: ARGV = ns, now, queue, then (id, dueAt, priority, json) per message.
local now = tonumber(ARGV[2])
local queue = ARGV[3]
redis.call('SADD', NS .. 'queues', queue)
for i = 4, #ARGV, 4 do
  enqueue(queue, ARGV[i], ARGV[i + 3], tonumber(ARGV[i + 1]), now, tonumber(ARGV[i + 2]))
end
flush_ready()
announce()
return 1
