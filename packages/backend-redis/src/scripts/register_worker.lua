--@include common
-- Register (or renew) a worker id held by an instance: ARGV = ns, now, id, instance, ttlMs, metaJson, mode.
-- mode 'register' refuses a live registration of another instance; 'heartbeat' also keeps startedAt
-- and leaves meta unchanged when metaJson is ''. Returns 1, or 0 when another live instance holds the id.
local now, id, instance, ttl, meta, mode = tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7]
local key = NS .. 'w:' .. id
local cur = redis.call('HMGET', key, 'inst', 'exp')
local own = cur[1] == instance
if cur[1] and not own and tonumber(cur[2]) > now then return 0 end
local expires = now + ttl
if not own or mode == 'register' then redis.call('HSET', key, 'started', ARGV[2]) end
if meta ~= '' or not own then redis.call('HSET', key, 'meta', meta ~= '' and meta or '{}') end
redis.call('HSET', key, 'inst', instance, 'hb', ARGV[2], 'exp', expires)
redis.call('ZADD', NS .. 'workers', expires, id)
return 1
