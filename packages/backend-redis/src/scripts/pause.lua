--@include common
-- Pause a queue: ARGV = ns, queue. Adds it to the namespace's paused set, which the claim script
-- reads before leasing anything, so no client leases from it once this returns. Returns 1.
redis.call('SADD', NS .. 'paused', ARGV[2])
return 1
