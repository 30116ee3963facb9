-- Sets an agent online, away (keeps their chats, gets no new ones) or offline (their
-- chats go back to the front of the queue). ARGV: agent, presence, now.
-- Returns the requeued chats, or false when the agent is unknown.
local agent, presence, now = ARGV[2], ARGV[3], ARGV[4]
if redis.call('SISMEMBER', AGENTS, agent) == 0 then
    return false
end
return set_presence(agent, presence, now)
