--@include common
-- Store a leased item's progress: ARGV = ns, now, queue, id, token, value (JSON text).
-- Kept as `<token> <value>` so it only ever reads back for that lease; expires an hour after the lease
-- end it was written at (a reader checks the lease anyway, this only bounds the garbage).
-- Returns 1, or 0 (nothing stored) when the token does not hold the lease.
local now, queue, id, token = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local until_ms = redis.call('ZSCORE', qk(queue, 'inflight'), id)
if redis.call('HGET', qk(queue, 'lease'), id) ~= token or not until_ms or tonumber(until_ms) <= now then return 0 end
redis.call('SET', qk(queue, 'progress:' .. id), token .. ' ' .. ARGV[6], 'PX', math.floor(tonumber(until_ms) - now) + 3600000)
return 1
