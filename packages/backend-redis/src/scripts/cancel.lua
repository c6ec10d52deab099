--@include common
-- Cancel a not-yet-due message by id: a delayed publish and/or a delayed item of any queue.
-- ARGV = ns, id. Returns how many copies were removed.
local id = ARGV[2]
local removed = redis.call('ZREM', NS .. 'delayed', id)
if removed == 1 then
  release_publish_keys({ id })
  redis.call('HDEL', NS .. 'dmsg', id)
  redis.call('HDEL', NS .. 'dpri', id)
end
for _, queue in ipairs(redis.call('SMEMBERS', NS .. 'queues')) do
  if redis.call('ZREM', qk(queue, 'delayed'), id) == 1 then
    forget(queue, id)
    removed = removed + 1
  end
end
return removed
