"""Callback messages customers left outside business hours or with nobody online, and
closing one once the agent has called back. An agent sees and closes the callbacks of
their own teams (skills) only; a supervisor those of every team."""
import time
from typing import Any, Dict

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.auth import User
from foundation.staff.web import ApiError, authenticated, json_body
from handoff.cases import ClosedCase
from handoff.queue_records import Callback, Ticket
from handoff.service.routes.closing import archive_case, case_id, case_outcome
from handoff.service.routes.views import callback_view

callbacks = Blueprint("callbacks")


@callbacks.get("/api/callbacks")
@authenticated()
async def open_callbacks(request: Request) -> HTTPResponse:
    user = request.ctx.user
    return response.json({
        "callbacks": [
            callback_view(callback)
            for callback in await request.app.ctx.queue.callbacks()
            if _for_team_of(user, callback)
        ]
    })


@callbacks.post("/api/callbacks/<callback_id>/done")
@authenticated()
async def callback_done(request: Request, callback_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    outcome = case_outcome(json_body(request))
    callback = next((c for c in await ctx.queue.callbacks() if c.callback_id == callback_id), None)
    if callback is None:
        raise ApiError(404, "unknown_callback", f"No open callback {callback_id!r}.")
    if not _for_team_of(request.ctx.user, callback):
        raise ApiError(
            403, "not_your_team",
            f"This callback is for the {callback.ticket.skill} team, which you are not in.",
        )
    ticket = callback.ticket
    archived_id = await archive_case(ctx, ClosedCase.from_context(
        {**_minimal_context(ticket), **ticket.context},
        **outcome,
        closed_at=time.time(),
        agent_id=request.ctx.user.id,
        enqueued_at=callback.left_at,
        case_id=case_id(callback_id, callback.left_at),
    ))
    await ctx.queue.close_callback(callback_id)
    return response.json({"case_id": archived_id})


def _for_team_of(user: User, callback: Callback) -> bool:
    return user.is_supervisor or callback.ticket.skill in user.skills


def _minimal_context(ticket: Ticket) -> Dict[str, Any]:
    """What a case needs when a ticket came without a context package."""
    return {
        "conversation_id": ticket.conversation_id,
        "customer": {"key": f"conversation:{ticket.conversation_id}"},
        "reason": ticket.reason,
        "skill": ticket.skill,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "language": ticket.language,
    }
