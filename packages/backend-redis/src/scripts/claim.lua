--@include common
-- Lease up to `max` items: ARGV = ns, now, queue, max, leaseUntil, tokenPrefix, promoteLimit, holder
-- ('' for none; with one, max is 1). Returns { nextCheck, id, token, attempt, json, ... }. nextCheck
-- (only meaningful when nothing was leased) is the epoch ms at which something may become available:
-- the earliest delayed item of the queue, delayed publish or lease expiry; -1 when nothing is pending.
-- A holder that still holds a live lease here gets that item again under a new token and lease end.
-- The queue's limits (`limits` hash, see set_limits) cut `max` to what may start now: concurrency minus
-- the live leases, and the rate's max minus the starts (`starts` zset, member = token, score = start
-- time) within the last `per` ms. Start times are the server's clock (TIME), so clients whose clocks
-- disagree still share one window. Held back entirely, nextCheck is when that changes at the latest (the
-- window's oldest start leaving it, or the first lease ending; an ack or nack announces a freed slot).
-- In a grouped queue (see common's fair groups) leases that ran out go back to the front of their
-- groups, and the groups with a claimable item take turns, one item per turn; nextCheck then also
-- covers the first rate-parked group's window freeing.
local now = tonumber(ARGV[2])
local queue = ARGV[3]
local max = tonumber(ARGV[4])
local lease_until = ARGV[5]
local prefix = ARGV[6]
local limit = tonumber(ARGV[7])
local holder = ARGV[8]

promote_published(now, limit)
promote_queue(queue, now, limit)

-- A paused queue leases nothing; `resume` announces it, so nextCheck stays -1 (wait for that).
if redis.call('SISMEMBER', NS .. 'paused', queue) == 1 then
  announce()
  return { -1 }
end

local msg_key, att_key = qk(queue, 'msg'), qk(queue, 'att')
local inflight_key, lease_key = qk(queue, 'inflight'), qk(queue, 'lease')
local holders_key, hof_key = qk(queue, 'holders'), qk(queue, 'hof')

if holder ~= '' then
  local held = redis.call('HGET', holders_key, holder)
  if held then
    local until_ms = redis.call('ZSCORE', inflight_key, held)
    local json = redis.call('HGET', msg_key, held)
    if redis.call('HGET', hof_key, held) == holder and until_ms and tonumber(until_ms) > now and json then
      -- The same item again: a new lease of it, so the token the holder lost is stale from now on.
      local token = prefix .. '0'
      redis.call('HSET', lease_key, held, token)
      redis.call('ZADD', inflight_key, lease_until, held)
      announce()
      return { -1, held, token, redis.call('HINCRBY', att_key, held, 1), json }
    end
    redis.call('HDEL', holders_key, holder)
  end
end

local limits = limits_of(queue)
local starts_key, rate_per, started = qk(queue, 'starts'), tonumber(limits[3]), 0
if limits[2] then started = server_now() end
if limits[1] or limits[2] then
  local free_at = -1
  if limits[1] then
    local slots = tonumber(limits[1]) - redis.call('ZCOUNT', inflight_key, now, '+inf')
    if slots <= 0 then free_at = tonumber(redis.call('ZRANGEBYSCORE', inflight_key, now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2]) end
    max = math.min(max, slots)
  end
  if limits[2] then
    redis.call('ZREMRANGEBYSCORE', starts_key, '-inf', started - rate_per)
    local room = tonumber(limits[2]) - redis.call('ZCARD', starts_key)
    if room <= 0 then free_at = math.max(free_at, now + tonumber(redis.call('ZRANGE', starts_key, 0, 0, 'WITHSCORES')[2]) + rate_per - started) end
    max = math.min(max, room)
  end
  if max <= 0 then
    announce()
    return { free_at }
  end
end

local ids = {}
if limits[4] then
  -- Leases that ran out end here and their items rejoin the front of their groups (they have waited
  -- longest), so they take their group's turn like any other item.
  local expired = redis.call('ZRANGEBYSCORE', inflight_key, '-inf', '(' .. ARGV[2], 'LIMIT', 0, limit)
  if #expired > 0 then
    unhold(queue, expired)
    chunked('HDEL', lease_key, expired)
    chunked('ZREM', inflight_key, expired)
    gended(queue, expired)
    for _, id in ipairs(expired) do push_ready(queue, priority_of(queue, id), 'RPUSH', { id }) end
  end
  local ring, queued, lgrp, gin = qk(queue, 'gring'), qk(queue, 'gqueued'), qk(queue, 'lgrp'), qk(queue, 'gin')
  local due = redis.call('ZRANGEBYSCORE', qk(queue, 'gparked'), '-inf', server_now())
  if #due > 0 then
    chunked('ZREM', qk(queue, 'gparked'), due)
    for _, g in ipairs(due) do requeue(queue, g, limits) end
  end
  local group_per = tonumber(limits[7])
  if limits[6] then
    -- `gwins` names the groups that may have a window (for deleteQueue); one member per claim is
    -- checked and dropped once its window expired, so the set follows the live windows.
    local some = redis.call('SRANDMEMBER', qk(queue, 'gwins'))
    if some and redis.call('EXISTS', gwin(queue, some)) == 0 then redis.call('SREM', qk(queue, 'gwins'), some) end
  end
  -- Each turn rotates the ring (LMOVE head → tail) and takes the group's next item; a group that ran
  -- dry, filled its concurrency or its rate window leaves the ring again from the tail.
  local group_conc, group_max = tonumber(limits[5]), tonumber(limits[6])
  local taken = 0
  while #ids < max do
    local g = redis.call('LMOVE', ring, ring, 'LEFT', 'RIGHT')
    if not g then break end
    local gz = gkey(queue, g)
    local popped = redis.call('ZPOPMIN', gz)
    local left, stay = 0, false
    if popped[1] then
      local id = popped[1]
      ids[#ids + 1] = id
      taken = taken + 1
      redis.call('HSET', lgrp, id, g)
      local held = redis.call('HINCRBY', gin, g, 1)
      left = redis.call('ZCARD', gz)
      stay = left > 0 and not (group_conc and held >= group_conc)
      if group_max then
        local win = gwin(queue, g)
        redis.call('ZADD', win, server_now(), prefix .. 'g' .. #ids)
        redis.call('PEXPIRE', win, group_per)
        redis.call('SADD', qk(queue, 'gwins'), g)
        if stay then
          redis.call('ZREMRANGEBYSCORE', win, '-inf', server_now() - group_per)
          if redis.call('ZCARD', win) >= group_max then
            stay = false
            redis.call('ZADD', qk(queue, 'gparked'), tonumber(redis.call('ZRANGE', win, 0, 0, 'WITHSCORES')[2]) + group_per, g)
          end
        end
      end
    end
    if not stay then
      redis.call('RPOP', ring)
      redis.call('SREM', queued, g)
      if left == 0 then redis.call('SREM', qk(queue, 'ggroups'), g) end
    end
  end
  if taken > 0 then redis.call('DECRBY', qk(queue, 'gready'), taken) end
else
  -- Expired leases first (they have waited longest), then the oldest ready items of the highest level.
  ids = redis.call('ZRANGEBYSCORE', inflight_key, '-inf', '(' .. ARGV[2], 'LIMIT', 0, max)
  -- Their leases ended: whoever held them holds them no more, nor the group they were claimed in.
  unhold(queue, ids)
  gended(queue, ids)
  local levels_key = qk(queue, 'levels')
  local levels = #ids < max and redis.call('ZREVRANGE', levels_key, 0, -1) or {}
  levels[#levels + 1] = '0'
  for _, p in ipairs(levels) do
    local want = max - #ids
    if want == 0 then break end
    local popped = redis.call('RPOP', ready_key(queue, tonumber(p)), want)
    local n = popped and #popped or 0
    for k = 1, n do ids[#ids + 1] = popped[k] end
    -- A level that ran dry leaves the set, so plain claims stop looking at it.
    if n < want and p ~= '0' then redis.call('ZREM', levels_key, p) end
  end
end

local out = { -1 }
local leases, scores, gone = {}, {}, {}
for i = 1, #ids, CHUNK do
  local slice = { unpack(ids, i, math.min(i + CHUNK - 1, #ids)) }
  local jsons = redis.call('HMGET', msg_key, unpack(slice))
  for k, id in ipairs(slice) do
    local json = jsons[k]
    if json then
      local token = prefix .. (#out - 1) / 4
      out[#out + 1] = id
      out[#out + 1] = token
      out[#out + 1] = redis.call('HINCRBY', att_key, id, 1)
      out[#out + 1] = json
      leases[#leases + 1] = id
      leases[#leases + 1] = token
      scores[#scores + 1] = lease_until
      scores[#scores + 1] = id
    else
      -- Deleted or cancelled underneath: drop the dangling reference.
      gone[#gone + 1] = id
    end
  end
end
if #leases > 0 then
  chunked('HSET', lease_key, leases)
  chunked('ZADD', inflight_key, scores)
  if limits[2] then
    local starts = {}
    for i = 2, #leases, 2 do
      starts[#starts + 1] = started
      starts[#starts + 1] = leases[i]
    end
    chunked('ZADD', starts_key, starts)
    redis.call('PEXPIRE', starts_key, rate_per)
  end
  if holder ~= '' then
    redis.call('HSET', holders_key, holder, leases[1])
    redis.call('HSET', hof_key, leases[1], holder)
  end
end
if #gone > 0 then
  chunked('ZREM', inflight_key, gone)
  chunked('HDEL', lease_key, gone)
  gended(queue, gone)
end

-- Other consumers need waking only if this caller left promoted work behind.
if touched[queue] and ready_count(queue) == 0 then untouch(queue) end
announce()

if #out == 1 then
  local next_check = math.huge
  for _, key in ipairs({ qk(queue, 'delayed'), NS .. 'delayed', inflight_key }) do
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if first[2] and tonumber(first[2]) < next_check then next_check = tonumber(first[2]) end
  end
  if limits[4] then
    -- A parked group's window frees on the server's clock; the caller waits on its own.
    local first = redis.call('ZRANGE', qk(queue, 'gparked'), 0, 0, 'WITHSCORES')
    if first[2] and now + tonumber(first[2]) - server_now() < next_check then next_check = now + tonumber(first[2]) - server_now() end
  end
  if next_check ~= math.huge then out[1] = next_check end
end
return out
