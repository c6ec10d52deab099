--@include common
-- Retry, release or fail a leased item if the token still holds it.
-- ARGV = ns, queue, id, token, now, kind ('retry'|'release'|'fail'), dueAt, errorJson. Returns 1 or 0.
local queue, id, token = ARGV[2], ARGV[3], ARGV[4]
local now, kind, due, err = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), ARGV[8]
if redis.call('HGET', qk(queue, 'lease'), id) ~= token then return 0 end
redis.call('HDEL', qk(queue, 'lease'), id)
redis.call('ZREM', qk(queue, 'inflight'), id)
unhold(queue, { id })
gended(queue, { id })
freed_slot(queue)
if kind == 'fail' then
  local json = redis.call('HGET', qk(queue, 'msg'), id)
  local attempt = tonumber(redis.call('HGET', qk(queue, 'att'), id) or '0')
  -- The priority goes with it into the failed store (`fpri`), so a replay keeps it.
  local p = redis.call('HGET', qk(queue, 'pri'), id)
  if p then redis.call('HSET', qk(queue, 'fpri'), id, p) end
  forget(queue, id)
  redis.call('HSET', qk(queue, 'fmsg'), id, json)
  redis.call('HSET', qk(queue, 'finfo'), id, attempt .. '|' .. ARGV[5] .. '|' .. err)
  redis.call('ZADD', qk(queue, 'failed'), now, id)
  announce()
  return 1
end
if kind == 'release' then
  -- Handed back untouched: this delivery does not count, and it goes to the front of the line.
  redis.call('HINCRBY', qk(queue, 'att'), id, -1)
  push_ready(queue, priority_of(queue, id), 'RPUSH', { id })
else
  if err ~= '' then redis.call('HSET', qk(queue, 'err'), id, err) end
  if due > now then
    redis.call('ZADD', qk(queue, 'delayed'), due, id)
  else
    push_ready(queue, priority_of(queue, id), 'LPUSH', { id })
  end
  touch(queue)
end
announce()
return 1
