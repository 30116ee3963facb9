-- Takes every agent whose last heartbeat is older than the deadline offline and puts
-- their chats back at the front of their queues. ARGV: now, deadline.
-- Returns {conversation, skill, agent, position} for each requeued chat.
local now, deadline = ARGV[2], ARGV[3]
local requeued = {}
for _, agent in ipairs(redis.call('ZRANGEBYSCORE', LEASES, '-inf', '(' .. deadline)) do
    go_offline(agent, now, requeued)
end
return with_positions(requeued)
