--@include common
-- List bindings as { queue, pattern, ... }: ARGV = ns, queue ('' for all queues).
local queues = ARGV[2] ~= '' and { ARGV[2] } or redis.call('SMEMBERS', NS .. 'queues')
local out = {}
for _, queue in ipairs(queues) do
  for _, pattern in ipairs(redis.call('SMEMBERS', NS .. 'qp:' .. queue)) do
    out[#out + 1] = queue
    out[#out + 1] = pattern
  end
end
return out
