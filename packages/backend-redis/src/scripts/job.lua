--@include common
-- One item of a queue, read-only: ARGV = ns, queue, id, now.
-- Returns {} when the queue does not hold it, else { state, json, attempt, at, errorJson, result,
-- priority } where at is the lease end (inFlight), due time (delayed) or completion time (completed), ''
-- otherwise; result is a completed item's ('' for none); priority is a pending or failed item's level
-- ('' for 0). A due delayed item and an expired lease are ready (the
-- next claim takes them), so nothing is moved here. A completed item past its expiry is not found.
local queue, id, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local json = redis.call('HGET', qk(queue, 'msg'), id)
if json then
  local attempt = redis.call('HGET', qk(queue, 'att'), id) or '0'
  local err = redis.call('HGET', qk(queue, 'err'), id) or ''
  local pri = redis.call('HGET', qk(queue, 'pri'), id) or ''
  local lease = redis.call('ZSCORE', qk(queue, 'inflight'), id)
  if lease and tonumber(lease) > now then return { 'inFlight', json, attempt, lease, '', '', pri } end
  local due = redis.call('ZSCORE', qk(queue, 'delayed'), id)
  if due and tonumber(due) > now then return { 'delayed', json, attempt, due, err, '', pri } end
  return { 'ready', json, attempt, '', err, '', pri }
end
local fjson = redis.call('HGET', qk(queue, 'fmsg'), id)
if fjson then return { 'failed', fjson, redis.call('HGET', qk(queue, 'finfo'), id), '', '', '', redis.call('HGET', qk(queue, 'fpri'), id) or '' } end
local info = redis.call('HGET', qk(queue, 'cinfo'), id)
if not info then return {} end
local attempt, expires, result = string.match(info, '^([^|]*)|([^|]*)|(.*)$')
if tonumber(expires) <= now then return {} end
return { 'completed', redis.call('HGET', qk(queue, 'cmsg'), id), attempt, redis.call('ZSCORE', qk(queue, 'cdone'), id), '', result }
