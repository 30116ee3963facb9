"""An agent's presence, the queues they see, and claiming the next conversation."""
import time
from typing import List

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.auth import User
from foundation.staff.web import ApiError, authenticated, json_body
from handoff.queue_records import Presence
from handoff.service.routes.views import ticket_view

agents = Blueprint("agents")


@agents.post("/api/presence")
@authenticated(role="agent")
async def presence(request: Request) -> HTTPResponse:
    body = json_body(request)
    try:
        presence = Presence(body.get("presence"))
    except ValueError:
        raise ApiError(
            400, "invalid_field", "presence must be online, away or offline.", field="presence"
        )
    requeued = await set_presence(request.app.ctx, request.ctx.user, presence)
    return response.json({"presence": presence.value, "requeued": requeued})


@agents.get("/api/queues")
@authenticated()
async def queues(request: Request) -> HTTPResponse:
    queue = request.app.ctx.queue
    now = time.time()
    result = []
    for skill in queue.settings.skills:
        tickets = await queue.tickets(await queue.waiting_in_line(skill))
        waiting = [
            {**ticket_view(ticket, queue.settings, now), "position": position}
            for position, ticket in enumerate(tickets, start=1)
            if ticket is not None  # closed meanwhile
        ]
        result.append({"skill": skill, "waiting": waiting})
    return response.json({"queues": result})


@agents.post("/api/claim")
@authenticated(role="agent")
async def claim(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    ticket = await ctx.queue.claim_next(request.ctx.user.id)
    if ticket is None:
        return response.empty()
    await ctx.alerts.clear(ticket.conversation_id)
    await ctx.watch.queue_changed("claimed", ticket.conversation_id, ticket.skill)
    await ctx.watch.announce_agent(ticket)
    return response.json({"conversation": ticket_view(ticket, ctx.queue.settings, time.time())})


async def set_presence(ctx, user: User, presence: Presence) -> List[str]:
    """Registers the agent with their skills and capacity from the users file, so an
    edited file takes effect at the next login; returns the chats they gave back."""
    requeued = await ctx.queue.register_agent(user.id, user.skills, user.capacity, presence)
    await ctx.watch.requeued(requeued)
    if presence == Presence.ONLINE:
        await ctx.watch.agent_has_room(user)
    return [chat.conversation_id for chat in requeued]
