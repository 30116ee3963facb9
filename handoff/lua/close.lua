-- Ends a conversation's handoff: frees its agent's slot, or takes it out of the queue
-- if no agent had it yet, and forgets the ticket. ARGV: conversation, acting agent or
-- '' (a supervisor; see may_act).
-- Returns {'ok', the ticket's fields as they were}, {'no_conversation'} or
-- {'not_assigned'} (the acting agent does not have it; nothing changed).
local id, agent = ARGV[2], ARGV[3]
local ticket = ticket_key(id)
if redis.call('EXISTS', ticket) == 0 then
    return {'no_conversation'}
end
if not may_act(id, agent) then
    return {'not_assigned'}
end
local fields = redis.call('HGETALL', ticket)
detach(id)
redis.call('DEL', ticket)
return {'ok', fields}
