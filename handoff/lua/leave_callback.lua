-- Stores a callback ticket; a customer who was waiting in the queue is taken out of
-- it, since they chose a call back over waiting. ARGV: conversation, now, field,
-- value, ... Returns the callback's stream id.
local id, now = ARGV[2], ARGV[3]
if redis.call('HGET', ticket_key(id), 'state') == 'waiting' then
    detach(id)
    redis.call('DEL', ticket_key(id))
end
return redis.call('XADD', CALLBACKS, '*', 'conversation_id', id, 'left_at', now, unpack(ARGV, 4))
