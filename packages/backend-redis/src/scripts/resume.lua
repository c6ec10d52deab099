--@include common
-- Resume a paused queue: ARGV = ns, queue. Removes it from the paused set and announces it on the
-- wake channel, so claims that waited while it was paused (in any client) claim again. Returns 1.
redis.call('SREM', NS .. 'paused', ARGV[2])
touch(ARGV[2])
announce()
return 1
