-- Where a conversation stands. ARGV: conversation.
-- Returns {position or false, online agents of its skill}.
local id = ARGV[2]
local skill = redis.call('HGET', ticket_key(id), 'skill')
if not skill then
    return {false, 0}
end
return {position(id), online_agents(skill)}
