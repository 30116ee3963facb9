-- Queues a conversation unless it is already waiting or with an agent, so asking twice
-- never queues it twice. ARGV: conversation, now, field, value, ...
-- Returns {1 if queued now else 0, ticket fields, position or false, online agents}.
local id, now = ARGV[2], ARGV[3]
local ticket = ticket_key(id)
local created = 0
if redis.call('EXISTS', ticket) == 0 then
    redis.call('HSET', ticket, 'conversation_id', id, 'enqueued_at', now, unpack(ARGV, 4))
    put_in_queue(id, NORMAL_LANE, now)
    created = 1
end
local skill = redis.call('HGET', ticket, 'skill')
return {created, redis.call('HGETALL', ticket), position(id), online_agents(skill)}
