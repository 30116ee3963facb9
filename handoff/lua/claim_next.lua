-- Pull: gives the agent the most urgent, longest waiting conversation across their
-- skills, if they are online and under capacity. ARGV: agent, now.
-- Returns the ticket's fields, or false (unknown agent, no room, nothing waiting).
local agent, now = ARGV[2], ARGV[3]
if not has_room(agent) then
    return false
end
local best_id, best_score
local skills = redis.call('SMEMBERS', agent_skills_key(agent))
-- Equal scores in two skills go to the skill first by name, not to chance.
table.sort(skills)
for _, skill in ipairs(skills) do
    local head = redis.call('ZRANGE', queue_key(skill), 0, 0, 'WITHSCORES')
    if head[1] and (not best_score or tonumber(head[2]) < best_score) then
        best_id, best_score = head[1], tonumber(head[2])
    end
end
if not best_id then
    return false
end
assign(best_id, agent, now)
return redis.call('HGETALL', ticket_key(best_id))
