--@include common
-- Replace a queue's limits: ARGV = ns, queue, concurrency, rateMax, ratePer, groupBy, groupConcurrency,
-- groupRateMax, groupRatePer ('' where not set; all '' removes them). The claim script reads the
-- `limits` hash; the start times of the rate window (`starts`) are kept while a rate is set, so setting
-- the same rate again does not reopen a full window (the groups' windows `gs:<group>` likewise, and they
-- expire on their own). When `group_by` changes, the ready items are regrouped in the queue's order:
-- from the level lists into the groups, from the groups of the old `by` into those of the new one, or
-- back into the level lists (O(n log n) in the ready items). Leases keep counting toward the group they
-- were claimed in until they end, also across a change of `by` or the removal of the groups (then
-- `group_leases` marks that counts remain, so acks keep them right). Claims waiting
-- on the queue are woken to take what the new limits allow. Returns 1.
local queue = ARGV[2]
local key = qk(queue, 'limits')
local old_by = redis.call('HGET', key, 'group_by')
redis.call('DEL', key)
local fields = {}
for i, name in ipairs({ 'concurrency', 'rate_max', 'rate_per', 'group_by', 'group_concurrency', 'group_rate_max', 'group_rate_per' }) do
  if ARGV[i + 2] ~= '' then
    fields[#fields + 1] = name
    fields[#fields + 1] = ARGV[i + 2]
  end
end
if ARGV[4] == '' then redis.call('DEL', qk(queue, 'starts')) end
if #fields > 0 then redis.call('HSET', key, unpack(fields)) end
-- Counts of leases claimed in groups that outlived the groups stay marked until they end.
if ARGV[6] == '' and redis.call('EXISTS', qk(queue, 'lgrp')) == 1 then redis.call('HSET', key, 'group_leases', 1) end
limits_cache[queue] = nil
local l = limits_of(queue)
local new_by = l[4]

-- The ready items in the order the queue takes them (priority, then arrival), taken out of the old structure.
local function take_ready()
  local ids = {}
  if old_by then
    local all = {}
    for _, g in ipairs(redis.call('SMEMBERS', qk(queue, 'ggroups'))) do
      local z = redis.call('ZRANGE', gkey(queue, g), 0, -1, 'WITHSCORES')
      for i = 1, #z, 2 do all[#all + 1] = { z[i], tonumber(z[i + 1]) } end
      redis.call('UNLINK', gkey(queue, g))
    end
    table.sort(all, function(a, b) return a[2] < b[2] end)
    for _, e in ipairs(all) do ids[#ids + 1] = e[1] end
    for _, suffix in ipairs({ 'ggroups', 'gring', 'gqueued', 'gparked', 'gready', 'gseq' }) do redis.call('DEL', qk(queue, suffix)) end
  else
    for p = 9, 0, -1 do
      -- A level list is taken from its tail.
      local list = redis.call('LRANGE', ready_key(queue, p), 0, -1)
      for i = #list, 1, -1 do ids[#ids + 1] = list[i] end
      redis.call('DEL', ready_key(queue, p))
    end
    redis.call('DEL', qk(queue, 'levels'))
  end
  return ids
end

if old_by ~= new_by then
  local ids = take_ready()
  -- Back in, one push per level in take order (push_ready now files them by the new grouping).
  local by_level = {}
  for i = 1, #ids, CHUNK do
    local slice = { unpack(ids, i, math.min(i + CHUNK - 1, #ids)) }
    local prios = redis.call('HMGET', qk(queue, 'pri'), unpack(slice))
    for k, id in ipairs(slice) do
      local p = tonumber(prios[k] or '0')
      by_level[p] = by_level[p] or {}
      by_level[p][#by_level[p] + 1] = id
    end
  end
  for p = 9, 0, -1 do
    if by_level[p] then push_ready(queue, p, 'LPUSH', by_level[p]) end
  end
elseif new_by then
  -- Same groups, new limits: the ring is rebuilt, as the groups' concurrency or rate may have changed.
  for _, suffix in ipairs({ 'gring', 'gqueued', 'gparked' }) do redis.call('DEL', qk(queue, suffix)) end
  for _, g in ipairs(redis.call('SMEMBERS', qk(queue, 'ggroups'))) do requeue(queue, g, l) end
end
touch(queue)
announce()
return 1
