--@include common
-- Count lifecycle events and publish them to the queues' watchers: ARGV = ns, now, nq, then nq quiet
-- queues as (queue, completed, failed, retried) — counts only, the client believes nobody watches them —
-- then per published event (queue, field, json), where field is the counter to add one to ('completed',
-- 'failed', 'retried') or '' (active, progress, or an event counted already). Events are PUBLISHed on
-- the queue's channel `ev:<queue>`. Counters live in the queue's hash `counts`, with `since` set by the
-- first count. Returns { watched, unwatched }: the quiet queues whose channel has a subscriber now
-- (PUBSUB NUMSUB, exact on a single server: the client then sends their events, uncounted), and the
-- queues of published events that no PUBLISH reached (the client stops sending their events).
local now = ARGV[2]
local nq = tonumber(ARGV[3])

local function count(queue, field, n)
  if n == 0 then return end
  local counts = qk(queue, 'counts')
  redis.call('HINCRBY', counts, field, n)
  redis.call('HSETNX', counts, 'since', now)
end

local watched = {}
for i = 4, 3 + nq * 4, 4 do
  local queue = ARGV[i]
  count(queue, 'completed', tonumber(ARGV[i + 1]))
  count(queue, 'failed', tonumber(ARGV[i + 2]))
  count(queue, 'retried', tonumber(ARGV[i + 3]))
  if redis.call('PUBSUB', 'NUMSUB', NS .. 'ev:' .. queue)[2] > 0 then watched[#watched + 1] = queue end
end

local reached, order = {}, {}
for i = 4 + nq * 4, #ARGV, 3 do
  local queue, field, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if field ~= '' then count(queue, field, 1) end
  if reached[queue] == nil then
    reached[queue] = 0
    order[#order + 1] = queue
  end
  reached[queue] = reached[queue] + redis.call('PUBLISH', NS .. 'ev:' .. queue, json)
end
local unwatched = {}
for _, queue in ipairs(order) do
  if reached[queue] == 0 then unwatched[#unwatched + 1] = queue end
end
return { watched, unwatched }
