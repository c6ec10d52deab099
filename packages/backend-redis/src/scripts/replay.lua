--@include common
-- Move failed items (ARGV[3..], or all when none given) back to ready with attempt 0: ARGV = ns, queue, ids...
-- Returns how many moved. An id that is meanwhile pending again is just dropped from the failed store.
local queue = ARGV[2]
local ids = {}
if #ARGV > 2 then
  for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end
else
  ids = redis.call('ZRANGE', qk(queue, 'failed'), 0, -1)
end
local moved = 0
for _, id in ipairs(ids) do
  if redis.call('ZREM', qk(queue, 'failed'), id) == 1 then
    local json = redis.call('HGET', qk(queue, 'fmsg'), id)
    redis.call('HDEL', qk(queue, 'fmsg'), id)
    redis.call('HDEL', qk(queue, 'finfo'), id)
    local p = tonumber(redis.call('HGET', qk(queue, 'fpri'), id) or '0')
    redis.call('HDEL', qk(queue, 'fpri'), id)
    if redis.call('HSETNX', qk(queue, 'msg'), id, json) == 1 then
      redis.call('HDEL', qk(queue, 'att'), id)
      if p > 0 then redis.call('HSET', qk(queue, 'pri'), id, p) end
      push_ready(queue, p, 'LPUSH', { id })
    end
    moved = moved + 1
  end
end
announce()
return moved
