--@include common
-- Delete a queue with its bindings, items, leases, failed and kept completed items and its lifecycle
-- counters, limits and fair-group state: ARGV = ns, queue.
local queue = ARGV[2]
for _, pattern in ipairs(redis.call('SMEMBERS', NS .. 'qp:' .. queue)) do
  redis.call('SREM', NS .. 'pq:' .. pattern, queue)
  if redis.call('SCARD', NS .. 'pq:' .. pattern) == 0 then
    redis.call('SREM', NS .. 'patterns', pattern)
  end
end
redis.call('UNLINK', NS .. 'qp:' .. queue)
for _, suffix in ipairs({ 'msg', 'att', 'err', 'ready', 'delayed', 'inflight', 'lease', 'failed', 'fmsg', 'finfo', 'pri', 'fpri', 'levels', 'cdone', 'cmsg', 'cinfo', 'holders', 'hof', 'counts', 'keys', 'kof', 'thr', 'limits', 'starts' }) do
  redis.call('UNLINK', qk(queue, suffix))
end
for p = 1, 9 do redis.call('UNLINK', ready_key(queue, p)) end
-- Fair groups: each group's items and rate window.
for _, g in ipairs(redis.call('SMEMBERS', qk(queue, 'ggroups'))) do redis.call('UNLINK', gkey(queue, g)) end
for _, g in ipairs(redis.call('SMEMBERS', qk(queue, 'gwins'))) do redis.call('UNLINK', gwin(queue, g)) end
for _, suffix in ipairs({ 'ggroups', 'gring', 'gqueued', 'gparked', 'gready', 'gseq', 'lgrp', 'gin', 'gwins' }) do redis.call('UNLINK', qk(queue, suffix)) end
redis.call('SREM', NS .. 'queues', queue)
redis.call('SREM', NS .. 'paused', queue)
return 1
