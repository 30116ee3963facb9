-- A waiting customer leaves the queue (said so, or their chat is gone): the ticket is
-- taken out of its queue and forgotten. Only a waiting conversation leaves; one an
-- agent has is theirs to close, so it stays as it is (checked here, in the same step,
-- so an agent claiming it at that moment keeps it). ARGV: conversation.
-- Returns {'ok', the ticket's fields as they were}, {'no_conversation'} or
-- {'not_waiting'}.
local id = ARGV[2]
local ticket = ticket_key(id)
local state = redis.call('HGET', ticket, 'state')
if not state then
    return {'no_conversation'}
end
if state ~= 'waiting' then
    return {'not_waiting'}
end
local fields = redis.call('HGETALL', ticket)
detach(id)
redis.call('DEL', ticket)
return {'ok', fields}
