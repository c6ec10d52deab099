--@include common
-- Abort requests standing against leases: ARGV = ns, then (queue, id, token) triples. Returns one
-- entry per triple: the request's JSON, or '' when none was made for that very lease.
local out = {}
for i = 2, #ARGV, 3 do
  local stored = redis.call('GET', qk(ARGV[i], 'abort:' .. ARGV[i + 1]))
  local prefix = ARGV[i + 2] .. ' '
  if stored and string.sub(stored, 1, #prefix) == prefix then
    out[#out + 1] = string.sub(stored, #prefix + 1)
  else
    out[#out + 1] = ''
  end
end
return out
