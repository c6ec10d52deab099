--@include common
-- Delete failed items (ARGV[3..], or all when none given): ARGV = ns, queue, ids... Returns how many.
local queue = ARGV[2]
if #ARGV == 2 then
  local n = redis.call('ZCARD', qk(queue, 'failed'))
  redis.call('UNLINK', qk(queue, 'failed'), qk(queue, 'fmsg'), qk(queue, 'finfo'), qk(queue, 'fpri'))
  return n
end
local n = 0
for i = 3, #ARGV do
  if redis.call('ZREM', qk(queue, 'failed'), ARGV[i]) == 1 then
    redis.call('HDEL', qk(queue, 'fmsg'), ARGV[i])
    redis.call('HDEL', qk(queue, 'finfo'), ARGV[i])
    redis.call('HDEL', qk(queue, 'fpri'), ARGV[i])
    n = n + 1
  end
end
return n
