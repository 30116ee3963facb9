-- Renews the agent's lease. ARGV: agent, now.
-- Returns 0 when the agent is unknown or offline: their lease ran out (or they logged
-- out) and their chats are already back in the queue.
local agent, now = ARGV[2], ARGV[3]
local presence = redis.call('HGET', agent_key(agent), 'presence')
if not presence or presence == 'offline' then
    return 0
end
redis.call('ZADD', LEASES, now, agent)
return 1
