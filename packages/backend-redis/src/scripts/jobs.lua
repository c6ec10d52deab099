--@include common
-- A page of one state of a queue, read-only: ARGV = ns, queue, state, offset, limit, now.
-- Returns { id, state, json, attempt, at, errorJson, result, priority, ... } (failed: { id, 'failed',
-- json, info, '', '', '', priority }; completed: at = completion time, most recent first, expired ones
-- left out, priority ''); priority is '' for level 0.
-- Ready is in claim order: expired leases by lease end, then per priority level (highest first) its
-- ready list from the tail (RPOP end) and its due delayed items by due time (the next claim pushes
-- those behind the list); in a grouped queue every group's items by priority, then arrival.
local queue, state = ARGV[2], ARGV[3]
local offset, limit, now = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local out = {}
local function item(id, st, at)
  local json = redis.call('HGET', qk(queue, 'msg'), id)
  if not json then return end
  out[#out + 1] = id
  out[#out + 1] = st
  out[#out + 1] = json
  out[#out + 1] = redis.call('HGET', qk(queue, 'att'), id) or '0'
  out[#out + 1] = at
  out[#out + 1] = st == 'inFlight' and '' or (redis.call('HGET', qk(queue, 'err'), id) or '')
  out[#out + 1] = ''
  out[#out + 1] = redis.call('HGET', qk(queue, 'pri'), id) or ''
end
if state == 'failed' then
  for _, id in ipairs(redis.call('ZREVRANGE', qk(queue, 'failed'), offset, offset + limit - 1)) do
    out[#out + 1] = id
    out[#out + 1] = 'failed'
    out[#out + 1] = redis.call('HGET', qk(queue, 'fmsg'), id)
    out[#out + 1] = redis.call('HGET', qk(queue, 'finfo'), id)
    out[#out + 1] = ''
    out[#out + 1] = ''
    out[#out + 1] = ''
    out[#out + 1] = redis.call('HGET', qk(queue, 'fpri'), id) or ''
  end
elseif state == 'completed' then
  local page = redis.call('ZREVRANGE', qk(queue, 'cdone'), offset, offset + limit - 1, 'WITHSCORES')
  for i = 1, #page, 2 do
    local id = page[i]
    local attempt, expires, result = string.match(redis.call('HGET', qk(queue, 'cinfo'), id), '^([^|]*)|([^|]*)|(.*)$')
    if tonumber(expires) > tonumber(now) then
      out[#out + 1] = id
      out[#out + 1] = 'completed'
      out[#out + 1] = redis.call('HGET', qk(queue, 'cmsg'), id)
      out[#out + 1] = attempt
      out[#out + 1] = page[i + 1]
      out[#out + 1] = ''
      out[#out + 1] = result
      out[#out + 1] = ''
    end
  end
elseif state == 'delayed' or state == 'inFlight' then
  local key = qk(queue, state == 'delayed' and 'delayed' or 'inflight')
  local page = redis.call('ZRANGEBYSCORE', key, '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', offset, limit)
  for i = 1, #page, 2 do item(page[i], state, page[i + 1]) end
else
  -- Each source is { count, fetch(skip, take) }, listed in the order the next claim takes them.
  local function list_source(key)
    return { redis.call('LLEN', key), function(skip, take)
      local ids = redis.call('LRANGE', key, -(skip + take), -(skip + 1))
      local rev = {}
      for i = #ids, 1, -1 do rev[#rev + 1] = ids[i] end
      return rev
    end }
  end
  local function array_source(ids)
    return { #ids, function(skip, take) return { unpack(ids, skip + 1, skip + take) } end }
  end
  local sources = {
    { redis.call('ZCOUNT', qk(queue, 'inflight'), '-inf', '(' .. now), function(skip, take)
      return redis.call('ZRANGEBYSCORE', qk(queue, 'inflight'), '-inf', '(' .. now, 'LIMIT', skip, take)
    end },
  }
  if limits_of(queue)[4] then
    -- A grouped queue: every group's items in the queue's order (priority, then arrival; the claims
    -- interleave the groups), then due delayed items.
    local all = {}
    for _, g in ipairs(redis.call('SMEMBERS', qk(queue, 'ggroups'))) do
      local z = redis.call('ZRANGE', gkey(queue, g), 0, -1, 'WITHSCORES')
      for i = 1, #z, 2 do all[#all + 1] = { z[i], tonumber(z[i + 1]) } end
    end
    table.sort(all, function(x, y) return x[2] < y[2] end)
    local ids = {}
    for _, e in ipairs(all) do ids[#ids + 1] = e[1] end
    sources[#sources + 1] = array_source(ids)
    sources[#sources + 1] = { redis.call('ZCOUNT', qk(queue, 'delayed'), '-inf', now), function(skip, take)
      return redis.call('ZRANGEBYSCORE', qk(queue, 'delayed'), '-inf', now, 'LIMIT', skip, take)
    end }
  elseif redis.call('EXISTS', qk(queue, 'pri')) == 0 then
    -- Nothing pending is prioritised: level 0's list, then due delayed items (the claim queues them behind it).
    sources[#sources + 1] = list_source(qk(queue, 'ready'))
    sources[#sources + 1] = { redis.call('ZCOUNT', qk(queue, 'delayed'), '-inf', now), function(skip, take)
      return redis.call('ZRANGEBYSCORE', qk(queue, 'delayed'), '-inf', now, 'LIMIT', skip, take)
    end }
  else
    -- Per level, highest first: its list, then its due delayed items (the claim queues them behind it).
    local due = redis.call('ZRANGEBYSCORE', qk(queue, 'delayed'), '-inf', now)
    local by_level = {}
    for p = 0, 9 do by_level[p] = {} end
    if #due > 0 then
      for i = 1, #due, CHUNK do
        local slice = { unpack(due, i, math.min(i + CHUNK - 1, #due)) }
        local prios = redis.call('HMGET', qk(queue, 'pri'), unpack(slice))
        for k, id in ipairs(slice) do
          local bucket = by_level[tonumber(prios[k] or '0')]
          bucket[#bucket + 1] = id
        end
      end
    end
    for p = 9, 0, -1 do
      sources[#sources + 1] = list_source(ready_key(queue, p))
      sources[#sources + 1] = array_source(by_level[p])
    end
  end
  local skip, want = offset, limit
  for _, src in ipairs(sources) do
    local n, fetch = src[1], src[2]
    if want > 0 and skip < n then
      local take = math.min(n - skip, want)
      for _, id in ipairs(fetch(skip, take)) do item(id, 'ready', '') end
      want = want - take
      skip = 0
    else
      skip = skip - n
    end
  end
end
return out
