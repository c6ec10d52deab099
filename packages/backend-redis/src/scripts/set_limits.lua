--@include common
-- Replace a queue's limits: ARGV = ns, queue, concurrency, rateMax, ratePer ('' where not set; all ''
-- removes them). The claim script reads the `limits` hash; the start times of the rate window (`starts`)
-- are kept while a rate is set, so setting the same rate again does not reopen a full window. Claims
-- waiting on the queue are woken to take what the new limits allow. Returns 1.
local queue = ARGV[2]
local key = qk(queue, 'limits')
redis.call('DEL', key)
local fields = {}
if ARGV[3] ~= '' then
  fields[#fields + 1] = 'concurrency'
  fields[#fields + 1] = ARGV[3]
end
if ARGV[4] ~= '' then
  fields[#fields + 1] = 'rate_max'
  fields[#fields + 1] = ARGV[4]
  fields[#fields + 1] = 'rate_per'
  fields[#fields + 1] = ARGV[5]
else
  redis.call('DEL', qk(queue, 'starts'))
end
if #fields > 0 then redis.call('HSET', key, unpack(fields)) end
touch(queue)
announce()
return 1
