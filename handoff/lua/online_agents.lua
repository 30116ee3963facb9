-- How many agents with the skill are online. ARGV: skill.
return online_agents(ARGV[2])
