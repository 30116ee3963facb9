-- Escalates conversations that have waited longer than the waiting limit, and those
-- whose agent has not replied within the reply limit. Each is raised once: it is
-- marked escalated, never reported again, and gets the top priority (moving up its
-- queue if it is waiting).
-- ARGV: now, waiting deadline, reply deadline, top priority, skill, ...
-- Returns {conversation, breach, skill, agent or false, since} for each newly raised.
local now, wait_deadline, reply_deadline, top = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local raised = {}

local function escalate(id)
    local ticket = ticket_key(id)
    local state, skill, priority =
        unpack(redis.call('HMGET', ticket, 'state', 'skill', 'priority'))
    if state == 'waiting' then
        -- Only the priority band changes; the lane and the waiting time stay.
        local score = tonumber(redis.call('ZSCORE', queue_key(skill), id))
            + (top - tonumber(priority)) * PRIORITY_BAND
        redis.call('ZADD', queue_key(skill), whole(score), id)
    end
    redis.call('HSET', ticket, 'priority', top, 'escalated_at', now)
    redis.call('ZREM', REPLY_WATCH, id)
end

for i = 6, #ARGV do
    local skill = ARGV[i]
    local waiting = redis.call('ZRANGEBYSCORE', waiting_key(skill), '-inf', '(' .. wait_deadline,
        'WITHSCORES')
    for j = 1, #waiting, 2 do
        local id = waiting[j]
        -- Escalated conversations stay in waiting:{skill} (it gives the longest wait).
        if not redis.call('HGET', ticket_key(id), 'escalated_at') then
            escalate(id)
            table.insert(raised, {id, 'waiting', skill, false, waiting[j + 1]})
        end
    end
end

local silent = redis.call('ZRANGEBYSCORE', REPLY_WATCH, '-inf', '(' .. reply_deadline, 'WITHSCORES')
for j = 1, #silent, 2 do
    local id = silent[j]
    local skill, agent = unpack(redis.call('HMGET', ticket_key(id), 'skill', 'agent_id'))
    escalate(id)
    table.insert(raised, {id, 'no_reply', skill, agent, silent[j + 1]})
end
return raised
