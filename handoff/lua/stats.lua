-- One consistent snapshot for the supervisor. ARGV: skill, ...
-- Returns {{skill, waiting, oldest waiting_since or false, online agents}, ...} and
-- {{agent, presence, capacity, load, {skill, ...}}, ...}.
local skills = {}
for i = 2, #ARGV do
    local skill = ARGV[i]
    local oldest = redis.call('ZRANGE', waiting_key(skill), 0, 0, 'WITHSCORES')[2] or false
    table.insert(skills,
        {skill, redis.call('ZCARD', queue_key(skill)), oldest, online_agents(skill)})
end
local agents = {}
local ids = redis.call('SMEMBERS', AGENTS)
table.sort(ids)
for _, agent in ipairs(ids) do
    local presence, capacity =
        unpack(redis.call('HMGET', agent_key(agent), 'presence', 'capacity'))
    local agent_skills = redis.call('SMEMBERS', agent_skills_key(agent))
    table.sort(agent_skills)
    table.insert(agents,
        {agent, presence, capacity, redis.call('SCARD', chats_key(agent)), agent_skills})
end
return {skills, agents}
