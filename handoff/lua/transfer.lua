-- Moves a conversation to the front of a skill's queue, or straight to an agent who is
-- online and has room. ARGV: conversation, now, skill or '', agent or '', acting agent
-- or '' (a supervisor; see may_act).
-- Returns {'ok', ticket fields, position or false, online agents of its skill},
-- {'no_conversation'}, {'not_assigned'} (the acting agent does not have it) or
-- {'agent_unavailable'}.
local id, now, skill, agent, by = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local ticket = ticket_key(id)
if redis.call('EXISTS', ticket) == 0 then
    return {'no_conversation'}
end
if not may_act(id, by) then
    return {'not_assigned'}
end
if agent ~= '' then
    if redis.call('HGET', ticket, 'agent_id') ~= agent then
        if not has_room(agent) then
            return {'agent_unavailable'}
        end
        detach(id)
        assign(id, agent, now)
    end
else
    detach(id)
    redis.call('HSET', ticket, 'skill', skill)
    put_in_queue(id, FRONT_LANE, now)
end
local current_skill = redis.call('HGET', ticket, 'skill')
return {'ok', redis.call('HGETALL', ticket), position(id), online_agents(current_skill)}
