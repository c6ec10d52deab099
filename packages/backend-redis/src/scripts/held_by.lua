--@include common
-- The live lease a holder (sticky pull) holds on an item of a queue: ARGV = ns, now, queue, holder.
-- Returns { id, token }, or {} when it holds none (acked, nacked, expired or never claimed).
local now, queue, holder = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local id = redis.call('HGET', qk(queue, 'holders'), holder)
if not id or redis.call('HGET', qk(queue, 'hof'), id) ~= holder then return {} end
local token = redis.call('HGET', qk(queue, 'lease'), id)
local until_ms = redis.call('ZSCORE', qk(queue, 'inflight'), id)
if not token or not until_ms or tonumber(until_ms) <= now then return {} end
return { id, token }
