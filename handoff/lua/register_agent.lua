-- Adds an agent, or replaces their skills and capacity, and sets their presence.
-- ARGV: agent, now, capacity, presence, skill, ...
-- Returns the chats requeued when the agent is registered offline while holding some.
local agent, now, capacity, presence = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local skills = agent_skills_key(agent)
for _, skill in ipairs(redis.call('SMEMBERS', skills)) do
    redis.call('SREM', skill_agents_key(skill), agent)
end
redis.call('DEL', skills)
for i = 6, #ARGV do
    redis.call('SADD', skills, ARGV[i])
    redis.call('SADD', skill_agents_key(ARGV[i]), agent)
end
redis.call('HSET', agent_key(agent), 'agent_id', agent, 'capacity', capacity)
redis.call('SADD', AGENTS, agent)
return set_presence(agent, presence, now)
