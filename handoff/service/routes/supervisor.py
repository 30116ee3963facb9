"""The supervisor's overview: queues, agents with their load, open SLA alerts."""
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import authenticated

supervisor = Blueprint("supervisor")


@supervisor.get("/api/supervisor/overview")
@authenticated(role="supervisor")
async def overview(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    stats = await ctx.queue.stats()
    skills = {
        skill: {
            "waiting": s.waiting,
            "longest_wait_seconds": s.longest_wait_seconds,
            "online_agents": s.online_agents,
        }
        for skill, s in stats.skills.items()
    }
    waits = [s.longest_wait_seconds for s in stats.skills.values() if s.longest_wait_seconds is not None]
    agents = []
    for agent in stats.agents:
        user = ctx.users.get(agent.agent_id)
        agents.append({
            "id": agent.agent_id,
            "name": user.name if user else agent.agent_id,
            "presence": agent.presence.value,
            "load": agent.load,
            "capacity": agent.capacity,
            "skills": agent.skills,
            "conversations": await ctx.queue.chats_of(agent.agent_id),
        })
    return response.json({
        "skills": skills,
        "waiting": sum(s.waiting for s in stats.skills.values()),
        "longest_wait_seconds": max(waits) if waits else None,
        "agents": agents,
        "alerts": await ctx.alerts.all(),
    })
