--@include common
-- Publish a batch: ARGV = ns, now, then (id, name, dueAt, priority, json, key, keyMode, keyTtlMs) per
-- message (key '' = none). Undelayed messages fan out now (a key acting in each queue reached); delayed
-- ones are stored once and routed when due (a key acting among the pending publishes; routed without
-- it). Returns the key outcomes flattened as (index, queue or '', outcome, id) per keyed item and scope.
local now = tonumber(ARGV[2])
local first = redis.call('ZRANGE', NS .. 'delayed', 0, 0, 'WITHSCORES')
local earliest = first[2] and tonumber(first[2]) or math.huge
local rewake = false

local function store_delayed(id, due, p, json)
  if redis.call('HSETNX', NS .. 'dmsg', id, json) == 0 then return false end
  if p > 0 then redis.call('HSET', NS .. 'dpri', id, p) end
  redis.call('ZADD', NS .. 'delayed', due, id)
  if due < earliest then
    earliest = due
    rewake = true
  end
  return true
end

-- A keyed delayed publish: the same modes as in a queue, over the pending publishes.
local function store_delayed_keyed(index, id, due, p, json, key, mode, ttl)
  if redis.call('HEXISTS', NS .. 'dmsg', id) == 1 then return end
  if mode == 'throttle' then
    if throttled(NS .. 'pthr', key, now, ttl) then
      report(index, '', 'throttled')
    else
      store_delayed(id, due, p, json)
      report(index, '', 'added')
    end
    return
  end
  local holder = redis.call('HGET', NS .. 'pkeys', key)
  if holder and mode == 'dedupe' then
    report(index, '', 'deduped', holder)
    return
  end
  if holder then
    redis.call('ZREM', NS .. 'delayed', holder)
    redis.call('HDEL', NS .. 'dmsg', holder)
    redis.call('HDEL', NS .. 'dpri', holder)
    redis.call('HDEL', NS .. 'pkof', holder)
  end
  store_delayed(id, due, p, json)
  redis.call('HSET', NS .. 'pkeys', key, id)
  redis.call('HSET', NS .. 'pkof', id, key)
  if holder then report(index, '', 'replaced', holder) else report(index, '', 'added') end
end

for i = 3, #ARGV, 8 do
  local id, name, due, p, json, key = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), ARGV[i + 4], ARGV[i + 5]
  local index = (i - 3) / 8
  if due > now then
    if key == '' then store_delayed(id, due, p, json)
    else store_delayed_keyed(index, id, due, p, json, key, ARGV[i + 6], tonumber(ARGV[i + 7])) end
  elseif key == '' then
    deliver(name, id, json, now, p)
  else
    for _, q in ipairs(route(name)) do
      enqueue_keyed(index, q, id, json, 0, now, p, key, ARGV[i + 6], tonumber(ARGV[i + 7]))
    end
  end
end
flush_ready()
announce()
-- Waiting consumers time their next check by the earliest due time; an earlier one must re-time them.
if rewake then redis.call('PUBLISH', WAKE, '*') end
return outcomes
