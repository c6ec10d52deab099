--@include common
-- Progress of an item's current lease: ARGV = ns, now, queue, id. Returns the JSON text, or '' when
-- the item is not in flight or its current lease reported none.
local now, queue, id = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local token = redis.call('HGET', qk(queue, 'lease'), id)
local until_ms = redis.call('ZSCORE', qk(queue, 'inflight'), id)
if not token or not until_ms or tonumber(until_ms) <= now then return '' end
local stored = redis.call('GET', qk(queue, 'progress:' .. id))
local prefix = token .. ' '
if stored and string.sub(stored, 1, #prefix) == prefix then return string.sub(stored, #prefix + 1) end
return ''
