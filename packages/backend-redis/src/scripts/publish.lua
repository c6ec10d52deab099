--@include common
-- Publish a batch: ARGV = ns, now, then (id, name, dueAt, priority, json) per message.
-- Undelayed messages fan out now; delayed ones are stored once and routed when due.
local now = tonumber(ARGV[2])
local first = redis.call('ZRANGE', NS .. 'delayed', 0, 0, 'WITHSCORES')
local earliest = first[2] and tonumber(first[2]) or math.huge
local rewake = false
for i = 3, #ARGV, 5 do
  local id, name, due, p, json = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), ARGV[i + 4]
  if due > now then
    if redis.call('HSETNX', NS .. 'dmsg', id, json) == 1 then
      if p > 0 then redis.call('HSET', NS .. 'dpri', id, p) end
      redis.call('ZADD', NS .. 'delayed', due, id)
      if due < earliest then
        earliest = due
        rewake = true
      end
    end
  else
    deliver(name, id, json, now, p)
  end
end
flush_ready()
announce()
-- Waiting consumers time their next check by the earliest due time; an earlier one must re-time them.
if rewake then redis.call('PUBLISH', WAKE, '*') end
return 1
