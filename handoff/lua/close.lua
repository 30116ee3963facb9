-- Ends a conversation's handoff: frees its agent's slot, or takes it out of the queue
-- if no agent had it yet, and forgets the ticket. ARGV: conversation.
-- Returns 1, or 0 when the conversation was not in the queue.
local id = ARGV[2]
if redis.call('EXISTS', ticket_key(id)) == 0 then
    return 0
end
detach(id)
redis.call('DEL', ticket_key(id))
return 1
