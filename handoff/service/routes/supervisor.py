"""The supervisor's overview: queues, agents with their load, open SLA alerts; and
today's figures."""
import asyncio

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.clock import courier_now
from foundation.staff.web import authenticated
from handoff.hours import BusinessHours
from handoff.today_figures import LiveQueue, read_today

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


@supervisor.get("/api/supervisor/today")
@authenticated(role="supervisor")
async def today(request: Request) -> HTTPResponse:
    """Today's figures (handoff/today_figures.py): the archive of the business day so
    far and the queue now."""
    ctx = request.app.ctx
    stats = await ctx.queue.stats()
    chats = [chat for agent in stats.agents for chat in await ctx.queue.chats_of(agent.agent_id)]
    tickets = [ticket for ticket in await ctx.queue.tickets(chats) if ticket is not None]
    live = LiveQueue(
        waiting=sum(s.waiting for s in stats.skills.values()),
        with_agents=[(ticket.enqueued_at, ticket.assigned_at) for ticket in tickets],
        callbacks_left=len(await ctx.queue.callbacks()),
    )
    zone = BusinessHours.from_environment().timezone
    figures = await asyncio.get_running_loop().run_in_executor(
        None, read_today, ctx.archive, courier_now(zone), live, zone
    )
    return response.json(figures.as_json())
