--@include common
-- Move a lease's end if the token still holds it: ARGV = ns, queue, id, token, leaseUntil. Returns 1 or 0.
local queue, id, token = ARGV[2], ARGV[3], ARGV[4]
if redis.call('HGET', qk(queue, 'lease'), id) ~= token then return 0 end
redis.call('ZADD', qk(queue, 'inflight'), ARGV[5], id)
return 1
