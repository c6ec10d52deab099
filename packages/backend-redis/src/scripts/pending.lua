--@include common
-- A page of the delayed publishes not yet routed, soonest due first: ARGV = ns, now, offset, limit, promoteLimit.
-- Returns { id, dueAt, json, ... }. Due ones are routed first (as stats does), so the page holds only
-- publishes that are still to come.
local now, offset, limit, promote = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
while promote_published(now, promote) == promote do end
announce()
local page = redis.call('ZRANGE', NS .. 'delayed', offset, offset + limit - 1, 'WITHSCORES')
local out = {}
for i = 1, #page, 2 do
  out[#out + 1] = page[i]
  out[#out + 1] = page[i + 1]
  out[#out + 1] = redis.call('HGET', NS .. 'dmsg', page[i]) or '{}'
end
return out
