-- Shared helpers, prepended to every script by the loader (`--@include common`).
-- ARGV[1] is always the namespace prefix `{ns}:`; every key is derived from it, so all keys of a
-- namespace share one Cluster hash slot and scripts may touch any of them.
local NS = ARGV[1]
local WAKE = NS .. 'wake'

local function qk(queue, suffix)
  return NS .. 'q:' .. queue .. ':' .. suffix
end

-- Queues that got work during this call; each is announced once on the wake channel at the end.
local touched = {}
local touched_list = {}
local function touch(queue)
  if not touched[queue] then
    touched[queue] = true
    touched_list[#touched_list + 1] = queue
  end
end
local function untouch(queue)
  if not touched[queue] then return end
  touched[queue] = nil
  for i, q in ipairs(touched_list) do
    if q == queue then
      table.remove(touched_list, i)
      return
    end
  end
end
local function announce()
  for _, queue in ipairs(touched_list) do
    redis.call('PUBLISH', WAKE, queue)
  end
end


local function split_words(s)
  local t = {}
  for w in string.gmatch(s, '[^.]+') do t[#t + 1] = w end
  return t
end

-- AMQP topic semantics: `*` is exactly one word, `#` zero or more.
local function match_words(p, pi, n, ni)
  while pi <= #p do
    local w = p[pi]
    if w == '#' then
      if pi == #p then return true end
      for k = ni, #n + 1 do
        if match_words(p, pi + 1, n, k) then return true end
      end
      return false
    end
    if ni > #n or (w ~= '*' and w ~= n[ni]) then return false end
    pi = pi + 1
    ni = ni + 1
  end
  return ni > #n
end

local patterns = nil
local routes = {}

-- Queues bound to a pattern matching `name`, memoised per call because batches repeat names.
local function route(name)
  local hit = routes[name]
  if hit then return hit end
  if not patterns then
    patterns = {}
    for _, p in ipairs(redis.call('SMEMBERS', NS .. 'patterns')) do
      patterns[#patterns + 1] = { p, split_words(p), string.find(p, '[*#]') ~= nil }
    end
  end
  local words = nil
  local seen, queues = {}, {}
  for _, entry in ipairs(patterns) do
    local ok
    if entry[3] then
      words = words or split_words(name)
      ok = match_words(entry[2], 1, words, 1)
    else
      ok = entry[1] == name
    end
    if ok then
      for _, q in ipairs(redis.call('SMEMBERS', NS .. 'pq:' .. entry[1])) do
        if not seen[q] then
          seen[q] = true
          queues[#queues + 1] = q
        end
      end
    end
  end
  routes[name] = queues
  return queues
end

-- Run `cmd key <args...>` over a long argument list in chunks (Lua's unpack() has a stack limit).
local CHUNK = 2000
local function chunked(cmd, key, args)
  for i = 1, #args, CHUNK do
    redis.call(cmd, key, unpack(args, i, math.min(i + CHUNK - 1, #args)))
  end
end

-- Ready list of one priority level: level 0 is `ready` (plain traffic is untouched), 1–9 `ready:<p>`.
-- Levels above 0 that may be non-empty are members of the queue's `levels` set, so a claim looks at
-- nothing more than level 0 (one ZREVRANGE of an absent key) until a prioritised item arrives.
local function ready_key(queue, p)
  if p == 0 then return qk(queue, 'ready') end
  return qk(queue, 'ready:' .. p)
end

-- A queue's limits (see set_limits), read once per call: { concurrency, rate_max, rate_per, group_by,
-- group_concurrency, group_rate_max, group_rate_per, group_leases }, false where not set (group_leases:
-- set while leases claimed in groups outlive the groups). A script that changes them drops the cached copy.
local limits_cache = {}
local function limits_of(queue)
  local l = limits_cache[queue]
  if not l then
    l = redis.call('HMGET', qk(queue, 'limits'), 'concurrency', 'rate_max', 'rate_per', 'group_by', 'group_concurrency', 'group_rate_max', 'group_rate_per', 'group_leases')
    limits_cache[queue] = l
  end
  return l
end

-- The server's clock in ms, read once per call: rate windows are kept on it, so clients whose clocks
-- disagree still share one window.
local server_ms = nil
local function server_now()
  if not server_ms then
    local t = redis.call('TIME')
    server_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return server_ms
end

-- Fair groups. A grouped queue (`group_by` set) keeps its ready items in one zset per group (`g:<group>`,
-- score = priority band + arrival order, so ZPOPMIN takes the highest priority, then the oldest) instead
-- of the level lists; `ggroups` lists the groups whose zset may be non-empty, `gready` counts their items.
-- `gring` is the round-robin list of groups that may start a lease now (their names also in the set
-- `gqueued`); a group whose rate window (`gs:<group>`, member = token, score = server ms, named in the set
-- `gwins` while it may exist) is full waits in
-- the zset `gparked` (score = server ms its window frees); a group full to its concurrency is in neither
-- and comes back when one of its leases ends. `gin` counts the leases per group they were claimed in,
-- and `lgrp` maps a leased id to that group until its lease ends.
local function gkey(queue, g)
  return qk(queue, 'g:' .. g)
end
local function gwin(queue, g)
  return qk(queue, 'gs:' .. g)
end

-- The group of a stored message under `by`: its tid or a header, '' when it has none.
local function group_of(json, by)
  local ok, m = pcall(cjson.decode, json)
  if not ok then return '' end
  local v
  if by == 'tid' then v = m.tid elseif type(m.headers) == 'table' then v = m.headers[by] end
  if type(v) ~= 'string' then return '' end
  return v
end

-- Put group g in the ring if it has ready items and may start a lease now, or park it until its rate
-- window lets it; a group full to its concurrency stays out (its next ended lease requeues it).
local function requeue(queue, g, l)
  if redis.call('SISMEMBER', qk(queue, 'gqueued'), g) == 1 or redis.call('ZSCORE', qk(queue, 'gparked'), g) then return end
  if redis.call('ZCARD', gkey(queue, g)) == 0 then return end
  if l[5] and tonumber(redis.call('HGET', qk(queue, 'gin'), g) or '0') >= tonumber(l[5]) then return end
  if l[6] then
    local win, per = gwin(queue, g), tonumber(l[7])
    redis.call('ZREMRANGEBYSCORE', win, '-inf', server_now() - per)
    if redis.call('ZCARD', win) >= tonumber(l[6]) then
      redis.call('ZADD', qk(queue, 'gparked'), tonumber(redis.call('ZRANGE', win, 0, 0, 'WITHSCORES')[2]) + per, g)
      return
    end
  end
  redis.call('RPUSH', qk(queue, 'gring'), g)
  redis.call('SADD', qk(queue, 'gqueued'), g)
end

-- Add ready ids of priority p to their groups (at the back, or the front for `front`), in the given order.
local GBAND, GMID = 1e14, 5e13
local function gpush(queue, p, front, ids, l)
  local seq = redis.call('INCRBY', qk(queue, 'gseq'), #ids) - #ids
  local groups, adds, added = {}, {}, 0
  for i = 1, #ids, CHUNK do
    local slice = { unpack(ids, i, math.min(i + CHUNK - 1, #ids)) }
    local jsons = redis.call('HMGET', qk(queue, 'msg'), unpack(slice))
    for k, id in ipairs(slice) do
      if jsons[k] then
        local g = group_of(jsons[k], l[4])
        seq = seq + 1
        local z = adds[g]
        if not z then
          z = {}
          adds[g] = z
          groups[#groups + 1] = g
        end
        z[#z + 1] = (9 - p) * GBAND + (front and GMID - seq or GMID + seq)
        z[#z + 1] = id
        added = added + 1
      end
    end
  end
  if added == 0 then return end
  redis.call('INCRBY', qk(queue, 'gready'), added)
  chunked('SADD', qk(queue, 'ggroups'), groups)
  for _, g in ipairs(groups) do
    chunked('ZADD', gkey(queue, g), adds[g])
    requeue(queue, g, l)
  end
  touch(queue)
end

-- Leases of ids ended (ack, nack, expiry): each gives its slot back to the group it was claimed in.
-- A queue that never had groups pays nothing here: the counts exist only with groups or group_leases.
local function gended(queue, ids)
  local l, lgrp = limits_of(queue), qk(queue, 'lgrp')
  if #ids == 0 or not (l[4] or l[8]) then return end
  local ended, groups = {}, {}
  for i = 1, #ids, CHUNK do
    local slice = { unpack(ids, i, math.min(i + CHUNK - 1, #ids)) }
    for _, g in ipairs(redis.call('HMGET', lgrp, unpack(slice))) do
      if g then
        if not ended[g] then
          ended[g] = 0
          groups[#groups + 1] = g
        end
        ended[g] = ended[g] + 1
      end
    end
    redis.call('HDEL', lgrp, unpack(slice))
  end
  for _, g in ipairs(groups) do
    if redis.call('HINCRBY', qk(queue, 'gin'), g, -ended[g]) <= 0 then redis.call('HDEL', qk(queue, 'gin'), g) end
    if l[4] then requeue(queue, g, l) end
  end
  if not l[4] and redis.call('EXISTS', lgrp) == 0 then
    redis.call('HDEL', qk(queue, 'limits'), 'group_leases')
    limits_cache[queue] = nil
  end
end

-- Push ids onto one level's list (`LPUSH` = back of the line, `RPUSH` = front) and record the level;
-- in a grouped queue onto their groups instead.
local function push_ready(queue, p, cmd, ids)
  local l = limits_of(queue)
  if l[4] then return gpush(queue, p, cmd == 'RPUSH', ids, l) end
  if p > 0 then redis.call('ZADD', qk(queue, 'levels'), p, p) end
  chunked(cmd, ready_key(queue, p), ids)
  touch(queue)
end

-- A lease ended: under a concurrency limit (the queue's or its groups') its slot is what claims of the
-- queue may be waiting for.
local function freed_slot(queue)
  local l = limits_of(queue)
  if l[1] or l[5] then touch(queue) end
end

-- Ready items of a queue over every level (stale levels are LLEN 0) and every group.
local function ready_count(queue)
  local n = redis.call('LLEN', qk(queue, 'ready'))
  for _, p in ipairs(redis.call('ZRANGE', qk(queue, 'levels'), 0, -1)) do
    n = n + redis.call('LLEN', qk(queue, 'ready:' .. p))
  end
  if limits_of(queue)[4] then n = n + tonumber(redis.call('GET', qk(queue, 'gready')) or '0') end
  return n
end

-- Take a ready item out of the line (a debounce replacing it): O(n) in its level list, O(log n) in a group.
local function remove_ready(queue, id)
  local l = limits_of(queue)
  if l[4] then
    local json = redis.call('HGET', qk(queue, 'msg'), id)
    if json and redis.call('ZREM', gkey(queue, group_of(json, l[4])), id) == 1 then redis.call('DECR', qk(queue, 'gready')) end
    return
  end
  redis.call('LREM', ready_key(queue, tonumber(redis.call('HGET', qk(queue, 'pri'), id) or '0')), 1, id)
end

-- Priority of a pending item of a queue (the `pri` hash holds only levels above 0).
local function priority_of(queue, id)
  return tonumber(redis.call('HGET', qk(queue, 'pri'), id) or '0')
end

-- Ready ids per queue and level, pushed in one LPUSH per list by flush_ready().
local ready_adds = {}
local function add_ready(queue, id, p)
  local levels = ready_adds[queue]
  if not levels then
    levels = {}
    ready_adds[queue] = levels
  end
  local list = levels[p]
  if not list then
    list = {}
    levels[p] = list
  end
  list[#list + 1] = id
  touch(queue)
end
local function flush_ready()
  for queue, levels in pairs(ready_adds) do
    for p, ids in pairs(levels) do push_ready(queue, p, 'LPUSH', ids) end
  end
  ready_adds = {}
end

-- Add one message at priority p to one queue unless that id is already pending there (call flush_ready() after).
local function enqueue(queue, id, json, due, now, p)
  if redis.call('HSETNX', qk(queue, 'msg'), id, json) == 0 then return 0 end
  if p > 0 then redis.call('HSET', qk(queue, 'pri'), id, p) end
  if due > now then
    redis.call('ZADD', qk(queue, 'delayed'), due, id)
    touch(queue)
  else
    add_ready(queue, id, p)
  end
  return 1
end

-- Route a message to every queue bound to its name right now (call flush_ready() after).
local function deliver(name, id, json, now, p)
  for _, q in ipairs(route(name)) do
    enqueue(q, id, json, 0, now, p)
  end
end

-- Job keys of delayed publishes (their scope is the namespace's pending publishes): `pkeys` maps a
-- key to the pending publish holding it, `pkof` back. Routing, cancel or a debounce releases it.
local function release_publish_keys(ids)
  local pkof = NS .. 'pkof'
  if redis.call('EXISTS', pkof) == 0 then return end
  local held = redis.call('HMGET', pkof, unpack(ids))
  for k, key in ipairs(held) do
    if key and redis.call('HGET', NS .. 'pkeys', key) == ids[k] then redis.call('HDEL', NS .. 'pkeys', key) end
  end
  redis.call('HDEL', pkof, unpack(ids))
end

-- Route due delayed publishes to the queues bound at their due time. The stored JSON starts with
-- `{"name":"…"` (names are plain words, never escaped), which is where the route comes from.
local function promote_published(now, limit)
  local key = NS .. 'delayed'
  local ids = redis.call('ZRANGEBYSCORE', key, '-inf', now, 'LIMIT', 0, limit)
  if #ids == 0 then return 0 end
  local values = redis.call('HMGET', NS .. 'dmsg', unpack(ids))
  -- Priorities of delayed publishes (`dpri`, levels above 0 only); absent for plain traffic.
  local prios = {}
  if redis.call('EXISTS', NS .. 'dpri') == 1 then
    prios = redis.call('HMGET', NS .. 'dpri', unpack(ids))
    redis.call('HDEL', NS .. 'dpri', unpack(ids))
  end
  -- The ids are the lowest-ranked members, so one rank range removes exactly them.
  redis.call('ZREMRANGEBYRANK', key, 0, #ids - 1)
  redis.call('HDEL', NS .. 'dmsg', unpack(ids))
  release_publish_keys(ids)
  for i, id in ipairs(ids) do
    local json = values[i]
    if json then deliver(string.match(json, '^{"name":"([^"]*)"'), id, json, now, tonumber(prios[i] or '0')) end
  end
  flush_ready()
  return #ids
end

-- Move a queue's due delayed items (delayed sends, retry backoffs) to its ready list, earliest first.
local function promote_queue(queue, now, limit)
  local key = qk(queue, 'delayed')
  local ids = redis.call('ZRANGEBYSCORE', key, '-inf', now, 'LIMIT', 0, limit)
  if #ids == 0 then return 0 end
  redis.call('ZREMRANGEBYRANK', key, 0, #ids - 1)
  if redis.call('EXISTS', qk(queue, 'pri')) == 0 then
    push_ready(queue, 0, 'LPUSH', ids)
    return #ids
  end
  -- Some pending item is prioritised: split the due ids by level, keeping due order within each.
  local prios = redis.call('HMGET', qk(queue, 'pri'), unpack(ids))
  for i, id in ipairs(ids) do add_ready(queue, id, tonumber(prios[i] or '0')) end
  flush_ready()
  return #ids
end

-- A two-way map in two hashes: `forward` name → id, `back` id → name. Dropping ids removes their `back`
-- entries, and their `forward` entries only while those still point at them (a newer id may hold the name).
local function drop_pairs(forward, back, ids)
  if #ids == 0 or redis.call('EXISTS', back) == 0 then return end
  for i = 1, #ids, CHUNK do
    local slice = { unpack(ids, i, math.min(i + CHUNK - 1, #ids)) }
    local names = redis.call('HMGET', back, unpack(slice))
    for k, name in ipairs(names) do
      if name and redis.call('HGET', forward, name) == slice[k] then redis.call('HDEL', forward, name) end
    end
    redis.call('HDEL', back, unpack(slice))
  end
end

-- Job keys of a queue: `keys` maps a key to the pending id holding it, `kof` that id back to its key.
-- An item leaving the queue (ack, fail, cancel, debounce) releases its key only while the key still
-- points at it (a debounce may have handed the key to a newer item beside one in flight).
local function release_keys(queue, ids)
  drop_pairs(qk(queue, 'keys'), qk(queue, 'kof'), ids)
end

-- Remove every trace of one item from a queue's pending structures.
local function forget(queue, id)
  release_keys(queue, { id })
  redis.call('HDEL', qk(queue, 'msg'), id)
  redis.call('HDEL', qk(queue, 'att'), id)
  redis.call('HDEL', qk(queue, 'err'), id)
  redis.call('HDEL', qk(queue, 'pri'), id)
end

-- Sticky pull: `holders` maps an external worker to the id it claimed, `hof` maps that id back to the
-- worker while the lease lives. A lease that ends (ack, nack, reclaim after expiry) drops both, so a
-- holder's entry is only trusted when `hof` still points back at it.
local function unhold(queue, ids)
  drop_pairs(qk(queue, 'holders'), qk(queue, 'hof'), ids)
end

-- Throttle windows of one scope: a zset of key → epoch ms the window ends. Ended windows are trimmed
-- by the throttled write itself (ZREMRANGEBYSCORE), so the zset holds only live windows and
-- deleteQueue drops it with the queue. Returns true when the key's window is open (the item is dropped),
-- else opens the window.
local function throttled(zset, key, now, ttl)
  redis.call('ZREMRANGEBYSCORE', zset, '-inf', now)
  if redis.call('ZSCORE', zset, key) then return true end
  redis.call('ZADD', zset, now + ttl, key)
  return false
end

-- Key outcomes of this call, flattened as (index, queue, outcome, id) for the client.
local outcomes = {}
local function report(index, queue, outcome, id)
  outcomes[#outcomes + 1] = index
  outcomes[#outcomes + 1] = queue
  outcomes[#outcomes + 1] = outcome
  outcomes[#outcomes + 1] = id or ''
end

-- Add a keyed message to one queue as its mode says (see KeyMode in the contract): dedupe skips it
-- while a pending item holds the key, debounce first removes a holder that is not leased (ready:
-- LREM from its level, O(n) in that list; delayed: ZREM), throttle drops it within the key's window.
local function enqueue_keyed(index, queue, id, json, due, now, p, key, mode, ttl)
  if mode == 'throttle' then
    if throttled(qk(queue, 'thr'), key, now, ttl) then
      report(index, queue, 'throttled')
      return
    end
    if enqueue(queue, id, json, due, now, p) == 1 then report(index, queue, 'added') else report(index, queue, 'deduped', id) end
    return
  end
  local keys_key = qk(queue, 'keys')
  local holder = redis.call('HGET', keys_key, key)
  local replaced = nil
  if holder then
    if mode == 'dedupe' then
      report(index, queue, 'deduped', holder)
      return
    end
    if redis.call('HEXISTS', qk(queue, 'lease'), holder) == 0 then
      -- Earlier items of this call may still wait in ready_adds: push them first so LREM sees them.
      flush_ready()
      if redis.call('ZREM', qk(queue, 'delayed'), holder) == 0 then remove_ready(queue, holder) end
      forget(queue, holder)
      replaced = holder
    end
  end
  if enqueue(queue, id, json, due, now, p) == 0 then
    report(index, queue, 'deduped', id)
    return
  end
  redis.call('HSET', keys_key, key, id)
  redis.call('HSET', qk(queue, 'kof'), id, key)
  if replaced then report(index, queue, 'replaced', replaced) else report(index, queue, 'added') end
end
