--@include common
-- Live workers, dropping expired ones: ARGV = ns, now. Returns { id, meta, started, hb, exp, ... }.
local now = tonumber(ARGV[2])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', NS .. 'workers', '-inf', now)) do
  redis.call('DEL', NS .. 'w:' .. id)
end
redis.call('ZREMRANGEBYSCORE', NS .. 'workers', '-inf', now)
local out = {}
for _, id in ipairs(redis.call('ZRANGE', NS .. 'workers', 0, -1)) do
  local w = redis.call('HMGET', NS .. 'w:' .. id, 'meta', 'started', 'hb', 'exp')
  out[#out + 1] = id
  out[#out + 1] = w[1]
  out[#out + 1] = w[2]
  out[#out + 1] = w[3]
  out[#out + 1] = w[4]
end
return out
