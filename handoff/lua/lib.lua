-- Shared by every script: queue.py puts this file in front of each script it loads.
-- ARGV[1] is the key prefix; a script's own arguments start at ARGV[2]. Keys are built
-- here rather than passed as KEYS because which ones a script touches (an agent's
-- chats, their tickets) is only known inside it; the queue therefore needs one Redis,
-- not a cluster.
local prefix = ARGV[1]

-- Queue score = priority * PRIORITY_BAND + lane + enqueued milliseconds: a lower
-- priority number always comes first; within a priority the front lane (conversations
-- that lost their agent or were transferred) comes before the normal lane; within a
-- lane the longest waiting comes first. Epoch milliseconds stay below NORMAL_LANE until
-- the year 2128, and ten priority bands stay well inside a double's exact integers.
local PRIORITY_BAND = 1e13
local FRONT_LANE = 0
local NORMAL_LANE = 5e12

local AGENTS = prefix .. 'agents'
local LEASES = prefix .. 'leases'
local REPLY_WATCH = prefix .. 'sla:reply'
local CALLBACKS = prefix .. 'callbacks'

local function ticket_key(id) return prefix .. 'ticket:' .. id end
local function queue_key(skill) return prefix .. 'queue:' .. skill end
local function waiting_key(skill) return prefix .. 'waiting:' .. skill end
local function agent_key(agent) return prefix .. 'agent:' .. agent end
local function chats_key(agent) return prefix .. 'agent:' .. agent .. ':chats' end
local function agent_skills_key(agent) return prefix .. 'agent:' .. agent .. ':skills' end
local function skill_agents_key(skill) return prefix .. 'skill:' .. skill .. ':agents' end

-- Lua's tostring keeps 14 digits only; scores are whole numbers, so print them whole.
local function whole(number) return string.format('%.0f', number) end

local function put_in_queue(id, lane, now)
    local ticket = ticket_key(id)
    local skill, priority, enqueued_at =
        unpack(redis.call('HMGET', ticket, 'skill', 'priority', 'enqueued_at'))
    local score = tonumber(priority) * PRIORITY_BAND + lane
        + math.floor(tonumber(enqueued_at) * 1000)
    redis.call('ZADD', queue_key(skill), whole(score), id)
    redis.call('ZADD', waiting_key(skill), now, id)
    redis.call('HSET', ticket, 'state', 'waiting', 'waiting_since', now)
    redis.call('HDEL', ticket, 'agent_id', 'assigned_at')
end

local function take_out_of_queue(id, skill)
    redis.call('ZREM', queue_key(skill), id)
    redis.call('ZREM', waiting_key(skill), id)
end

local function has_room(agent)
    local presence, capacity =
        unpack(redis.call('HMGET', agent_key(agent), 'presence', 'capacity'))
    return presence == 'online' and redis.call('SCARD', chats_key(agent)) < tonumber(capacity)
end

local function assign(id, agent, now)
    local ticket = ticket_key(id)
    local skill, escalated_at = unpack(redis.call('HMGET', ticket, 'skill', 'escalated_at'))
    take_out_of_queue(id, skill)
    redis.call('HSET', ticket, 'state', 'assigned', 'agent_id', agent, 'assigned_at', now)
    redis.call('HDEL', ticket, 'waiting_since')
    redis.call('SADD', chats_key(agent), id)
    redis.call('HSET', agent_key(agent), 'last_assigned_at', now)
    -- An escalated conversation has had its one alert; it is not watched again.
    if not escalated_at then
        redis.call('ZADD', REPLY_WATCH, now, id)
    end
end

local function unassign(id, agent)
    redis.call('SREM', chats_key(agent), id)
    redis.call('ZREM', REPLY_WATCH, id)
end

-- Whether `agent` may act on the conversation (close it, pass it on, answer in it): it
-- is assigned to them. '' stands for a supervisor, who may act on any. Checked inside
-- the script that makes the change, so a lease running out and another agent claiming
-- the conversation cannot slip in between the check and the change.
local function may_act(id, agent)
    return agent == '' or redis.call('HGET', ticket_key(id), 'agent_id') == agent
end

-- Takes a conversation away from its agent or out of its queue, whichever holds it.
local function detach(id)
    local state, skill, agent =
        unpack(redis.call('HMGET', ticket_key(id), 'state', 'skill', 'agent_id'))
    if state == 'assigned' then
        unassign(id, agent)
    else
        take_out_of_queue(id, skill)
    end
end

-- 1-based place in its skill queue, or false when it is not waiting.
local function position(id)
    local skill = redis.call('HGET', ticket_key(id), 'skill')
    if not skill then
        return false
    end
    local rank = redis.call('ZRANK', queue_key(skill), id)
    return rank and rank + 1
end

local function online_agents(skill)
    local count = 0
    for _, agent in ipairs(redis.call('SMEMBERS', skill_agents_key(skill))) do
        if redis.call('HGET', agent_key(agent), 'presence') == 'online' then
            count = count + 1
        end
    end
    return count
end

-- Puts the agent's chats back at the front of their queues and marks the agent
-- offline; appends {conversation, agent} to `requeued`.
local function go_offline(agent, now, requeued)
    for _, id in ipairs(redis.call('SMEMBERS', chats_key(agent))) do
        unassign(id, agent)
        put_in_queue(id, FRONT_LANE, now)
        table.insert(requeued, {id, agent})
    end
    redis.call('HSET', agent_key(agent), 'presence', 'offline')
    redis.call('ZREM', LEASES, agent)
end

-- {conversation, skill, agent, position} for each requeued chat. Positions are read
-- after every chat is back, so they are the ones the customers will actually have.
local function with_positions(requeued)
    local result = {}
    for _, entry in ipairs(requeued) do
        local id, agent = entry[1], entry[2]
        table.insert(result, {id, redis.call('HGET', ticket_key(id), 'skill'), agent, position(id)})
    end
    return result
end

-- Away agents keep their chats and their lease but get no new chats; offline agents
-- give their chats back. Returns with_positions() of what went back to the queue.
local function set_presence(agent, presence, now)
    local requeued = {}
    if presence == 'offline' then
        go_offline(agent, now, requeued)
    else
        redis.call('HSET', agent_key(agent), 'presence', presence)
        redis.call('ZADD', LEASES, now, agent)
    end
    return with_positions(requeued)
end
