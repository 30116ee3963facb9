-- Notes that the agent has answered, which ends the watch for a first reply.
-- ARGV: conversation, now. Returns 0 when the conversation is not with an agent.
local id, now = ARGV[2], ARGV[3]
local ticket = ticket_key(id)
if redis.call('HGET', ticket, 'state') ~= 'assigned' then
    return 0
end
redis.call('HSET', ticket, 'last_agent_reply_at', now)
redis.call('ZREM', REPLY_WATCH, id)
return 1
