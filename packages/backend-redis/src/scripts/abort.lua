--@include common
-- Ask the holder of an item's current lease to stop: ARGV = ns, now, queue, id, request (JSON).
-- Stores `<token> <request>` under the item's abort key, expiring a second after the lease would, so
-- the request dies with the lease it was made for. Returns 1, or 0 (nothing stored) when not in flight.
local now, queue, id = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local token = redis.call('HGET', qk(queue, 'lease'), id)
local until_ms = redis.call('ZSCORE', qk(queue, 'inflight'), id)
if not token or not until_ms or tonumber(until_ms) <= now then return 0 end
redis.call('SET', qk(queue, 'abort:' .. id), token .. ' ' .. ARGV[5], 'PX', math.floor(tonumber(until_ms) - now) + 1000)
return 1
