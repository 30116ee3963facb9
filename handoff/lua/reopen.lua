-- Puts back a conversation whose closing failed after close.lua (the archive or Rasa
-- did not answer), so nothing is lost: to the agent who had it, even over capacity as
-- the slot was theirs, or to the front of its queue when that agent has gone offline
-- or nobody had it. ARGV: conversation, now, field, value, ... (what close returned).
-- Returns 1, or 0 when the conversation was handed off anew meanwhile (left as it is).
local id, now = ARGV[2], ARGV[3]
local ticket = ticket_key(id)
if redis.call('EXISTS', ticket) == 1 then
    return 0
end
redis.call('HSET', ticket, unpack(ARGV, 4))
local agent, assigned_at, replied, escalated = unpack(redis.call('HMGET', ticket,
    'agent_id', 'assigned_at', 'last_agent_reply_at', 'escalated_at'))
local presence = agent and redis.call('HGET', agent_key(agent), 'presence')
if presence == 'online' or presence == 'away' then
    redis.call('SADD', chats_key(agent), id)
    if not replied and not escalated then
        redis.call('ZADD', REPLY_WATCH, assigned_at, id)
    end
else
    put_in_queue(id, FRONT_LANE, now)
end
return 1
