-- Notes that the agent has answered, which ends the watch for a first reply.
-- ARGV: conversation, now, acting agent or '' (a supervisor; see may_act).
-- Returns 0 when the conversation is not with an agent, or not with the acting one.
local id, now, agent = ARGV[2], ARGV[3], ARGV[4]
local ticket = ticket_key(id)
if redis.call('HGET', ticket, 'state') ~= 'assigned' or not may_act(id, agent) then
    return 0
end
redis.call('HSET', ticket, 'last_agent_reply_at', now)
redis.call('ZREM', REPLY_WATCH, id)
return 1
