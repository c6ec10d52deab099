--@include common
-- One item of a queue, read-only: ARGV = ns, queue, id, now.
-- Returns {} when the queue does not hold it, else { state, json, attempt, at, errorJson } where at is
-- the lease end (inFlight) or due time (delayed), '' otherwise. A due delayed item and an expired lease
-- are ready (the next claim takes them), so nothing is moved here.
local queue, id, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local json = redis.call('HGET', qk(queue, 'msg'), id)
if json then
  local attempt = redis.call('HGET', qk(queue, 'att'), id) or '0'
  local err = redis.call('HGET', qk(queue, 'err'), id) or ''
  local lease = redis.call('ZSCORE', qk(queue, 'inflight'), id)
  if lease and tonumber(lease) > now then return { 'inFlight', json, attempt, lease, '' } end
  local due = redis.call('ZSCORE', qk(queue, 'delayed'), id)
  if due and tonumber(due) > now then return { 'delayed', json, attempt, due, err } end
  return { 'ready', json, attempt, '', err }
end
local fjson = redis.call('HGET', qk(queue, 'fmsg'), id)
if not fjson then return {} end
return { 'failed', fjson, redis.call('HGET', qk(queue, 'finfo'), id) }
