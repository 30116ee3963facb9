"""What the console offers an agent to pick from: suggested answers for the customer's
last question, and the categories, departments, skills and agents of closing and
passing on a conversation."""
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import ApiError, authenticated
from handoff.cases import CATEGORIES, DEPARTMENTS
from handoff.queue_records import Presence
from handoff.service.routes.requests import conversation_of_user

options = Blueprint("options")


@options.get("/api/suggestions")
@authenticated()
async def suggestions(request: Request) -> HTTPResponse:
    conversation_id = request.args.get("conversation_id")
    if not conversation_id:
        raise ApiError(400, "invalid_field", "conversation_id is required.", field="conversation_id")
    ticket = await conversation_of_user(request, conversation_id)
    tracker = await request.app.ctx.rasa.tracker(conversation_id)
    asked = [e.get("text") or "" for e in tracker.get("events", []) if e.get("event") == "user"]
    return response.json(request.app.ctx.suggestions.for_question(asked[-1] if asked else "", ticket.language))


@options.get("/api/options")
@authenticated()
async def choices(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    stats = await ctx.queue.stats()
    presence = {agent.agent_id: agent.presence.value for agent in stats.agents}
    return response.json({
        "categories": list(CATEGORIES),
        "departments": list(DEPARTMENTS),
        "skills": list(ctx.queue.settings.skills),
        "agents": [
            {**user.public(), "presence": presence.get(user.id, Presence.OFFLINE.value)}
            for user in ctx.users.values()
            if user.role == "agent"
        ],
    })
