-- Push: gives the head of the skill's queue to the least busy online agent of the
-- skill with room; a tie goes to the agent whose last assignment is oldest (the
-- longest idle), then to the lowest agent id. ARGV: skill, now.
-- Returns the ticket's fields, or false (nothing waiting, nobody with room).
local skill, now = ARGV[2], ARGV[3]
local head = redis.call('ZRANGE', queue_key(skill), 0, 0)[1]
if not head then
    return false
end
local best, best_load, best_last
local agents = redis.call('SMEMBERS', skill_agents_key(skill))
table.sort(agents)
for _, agent in ipairs(agents) do
    if has_room(agent) then
        local load = redis.call('SCARD', chats_key(agent))
        local last = tonumber(redis.call('HGET', agent_key(agent), 'last_assigned_at') or 0)
        if not best or load < best_load or (load == best_load and last < best_last) then
            best, best_load, best_last = agent, load, last
        end
    end
end
if not best then
    return false
end
assign(head, best, now)
return redis.call('HGETALL', ticket_key(head))
