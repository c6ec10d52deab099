--@include common
-- A page of one state of a queue, read-only: ARGV = ns, queue, state, offset, limit, now.
-- Returns { id, state, json, attempt, at, errorJson, ... } (failed: { id, 'failed', json, info, '', '' }).
-- Ready is in claim order: expired leases by lease end, then the ready list from its tail (RPOP end),
-- then due delayed items by due time (the next claim pushes those behind the list).
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
end
if state == 'failed' then
  for _, id in ipairs(redis.call('ZREVRANGE', qk(queue, 'failed'), offset, offset + limit - 1)) do
    out[#out + 1] = id
    out[#out + 1] = 'failed'
    out[#out + 1] = redis.call('HGET', qk(queue, 'fmsg'), id)
    out[#out + 1] = redis.call('HGET', qk(queue, 'finfo'), id)
    out[#out + 1] = ''
    out[#out + 1] = ''
  end
elseif state == 'delayed' or state == 'inFlight' then
  local key = qk(queue, state == 'delayed' and 'delayed' or 'inflight')
  local page = redis.call('ZRANGEBYSCORE', key, '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', offset, limit)
  for i = 1, #page, 2 do item(page[i], state, page[i + 1]) end
else
  local sources = {
    { 'expired', redis.call('ZCOUNT', qk(queue, 'inflight'), '-inf', '(' .. now) },
    { 'list', redis.call('LLEN', qk(queue, 'ready')) },
    { 'due', redis.call('ZCOUNT', qk(queue, 'delayed'), '-inf', now) },
  }
  local skip, want = offset, limit
  for _, src in ipairs(sources) do
    local kind, n = src[1], src[2]
    if want > 0 and skip < n then
      local take = math.min(n - skip, want)
      local ids
      if kind == 'list' then
        ids = redis.call('LRANGE', qk(queue, 'ready'), -(skip + take), -(skip + 1))
        local rev = {}
        for i = #ids, 1, -1 do rev[#rev + 1] = ids[i] end
        ids = rev
      elseif kind == 'expired' then
        ids = redis.call('ZRANGEBYSCORE', qk(queue, 'inflight'), '-inf', '(' .. now, 'LIMIT', skip, take)
      else
        ids = redis.call('ZRANGEBYSCORE', qk(queue, 'delayed'), '-inf', now, 'LIMIT', skip, take)
      end
      for _, id in ipairs(ids) do item(id, 'ready', '') end
      want = want - take
      skip = 0
    else
      skip = skip - n
    end
  end
end
return out
