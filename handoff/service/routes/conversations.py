"""A handed-off conversation: reading it, the agent's messages and notes, passing it
on, and closing it, which archives the case and gives the customer back to the bot.

Sending an agent's message records it in the Rasa tracker first and then emits it to
the customer's web chat (handoff/service/customer_messages.py). When Rasa is down the
answer is 503 and nothing was sent, so the console can simply send it again.
"""
import asyncio
import logging
import time
from typing import Any, Dict, List

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.language import SIMPLIFIED
from foundation.staff.web import ApiError, authenticated, json_body
from handoff.cases import CaseNote, ClosedCase
from handoff.context import build_context
from handoff.queue import AgentUnavailable, NotAssigned, UnknownConversation
from handoff.queue_records import Ticket
from handoff.routing import Route
from handoff.service.routes.closing import archive_case, case_id, case_outcome
from handoff.service.routes.requests import (
    MAX_TEXT_CHARS,
    acting_agent,
    conversation_of_user,
    no_longer_yours,
    text_field,
    unknown_conversation,
)
from handoff.service.routes.views import ticket_view

logger = logging.getLogger(__name__)

# The intent that hands the conversation back to the bot (thanks, rating question).
HANDOFF_CLOSED_INTENT = "handoff_closed"

conversations = Blueprint("conversations")


@conversations.get("/api/conversations")
@authenticated()
async def my_conversations(request: Request) -> HTTPResponse:
    queue = request.app.ctx.queue
    now = time.time()
    tickets = await queue.tickets(await queue.chats_of(request.ctx.user.id))
    views = [ticket_view(ticket, queue.settings, now) for ticket in tickets if ticket is not None]
    return response.json({"conversations": views})


@conversations.get("/api/conversations/<conversation_id>")
@authenticated()
async def conversation(request: Request, conversation_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    ticket = await conversation_of_user(request, conversation_id)
    now = time.time()
    live = await _live_context(ctx, ticket, now)
    return response.json({
        "conversation": ticket_view(ticket, ctx.queue.settings, now),
        "context": ticket.context,
        "transcript": live["transcript"],
        "notes": await ctx.notes.all(conversation_id),
    })


@conversations.post("/api/conversations/<conversation_id>/messages")
@authenticated()
async def send_message(request: Request, conversation_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    user = request.ctx.user
    text = text_field(json_body(request), "text", MAX_TEXT_CHARS)
    ticket = await conversation_of_user(request, conversation_id)
    sent_at = await ctx.messenger.send_from_agent(
        conversation_id, text, user.id, user.name, ticket.language or SIMPLIFIED
    )
    try:
        await ctx.queue.record_agent_reply(conversation_id, by_agent=acting_agent(user))
    except NotAssigned:
        # Sending (Rasa) cannot be part of the queue's atomic step: this shows after it.
        raise no_longer_yours(
            "Your message reached the customer; whoever has the conversation now sees it "
            "in the transcript."
        )
    await ctx.alerts.clear(conversation_id)
    message = {
        "type": "message",
        "conversation_id": conversation_id,
        "sender": "agent",
        "agent_id": user.id,
        "agent_name": user.name,
        "text": text,
        "time": sent_at,
    }
    # Supervisors follow the conversation, and the agent's other tabs show it too.
    await ctx.hub.publish(message, agents=[ticket.agent_id, user.id], supervisors=True)
    logger.info("Agent %s replied in %s (%d characters).", user.id, conversation_id, len(text))
    return response.json({"message": message}, status=201)


@conversations.post("/api/conversations/<conversation_id>/typing")
@authenticated()
async def agent_typing(request: Request, conversation_id: str) -> HTTPResponse:
    await conversation_of_user(request, conversation_id)
    await request.app.ctx.messenger.agent_typing(conversation_id)
    return response.empty()


@conversations.post("/api/conversations/<conversation_id>/notes")
@authenticated()
async def add_note(request: Request, conversation_id: str) -> HTTPResponse:
    text = text_field(json_body(request), "text", MAX_TEXT_CHARS)
    await conversation_of_user(request, conversation_id)
    note = await request.app.ctx.notes.add(conversation_id, request.ctx.user.id, text)
    return response.json({"note": note}, status=201)


@conversations.post("/api/conversations/<conversation_id>/transfer")
@authenticated()
async def transfer(request: Request, conversation_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    skill, agent_id = _transfer_target(ctx, json_body(request))
    ticket = await conversation_of_user(request, conversation_id)
    try:
        placement = await ctx.queue.transfer(
            conversation_id, skill=skill, agent_id=agent_id, by_agent=acting_agent(request.ctx.user)
        )
    except UnknownConversation:
        raise unknown_conversation(conversation_id)
    except NotAssigned:
        raise no_longer_yours("Nothing was passed on.")
    except AgentUnavailable:
        raise ApiError(
            409, "agent_unavailable",
            f"{agent_id} is not online or has no free slot; transfer to a skill instead.",
        )
    if agent_id is not None:
        await ctx.watch.assigned(placement.ticket)
    else:
        await ctx.watch.queue_changed("transferred", conversation_id, skill)
        await ctx.watch.assign_waiting([skill])
    previous_agent = ctx.users.get(ticket.agent_id or "")
    if previous_agent and previous_agent.id != placement.ticket.agent_id:
        await ctx.watch.agent_has_room(previous_agent)
    return response.json({
        "conversation": ticket_view(placement.ticket, ctx.queue.settings, time.time()),
        "position": placement.position,
    })


@conversations.post("/api/conversations/<conversation_id>/close")
@authenticated()
async def close(request: Request, conversation_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    outcome = case_outcome(json_body(request))
    now = time.time()
    live = await _live_context(ctx, await conversation_of_user(request, conversation_id), now)
    notes = [CaseNote(**note) for note in await ctx.notes.all(conversation_id)]
    # Closed in the queue first, in one step with the check that the agent still has
    # it: nothing is archived or said to the customer for a conversation that has
    # meanwhile gone to someone else.
    try:
        ticket = await ctx.queue.close(conversation_id, by_agent=acting_agent(request.ctx.user))
    except NotAssigned:
        raise no_longer_yours("Nothing was closed.")
    if ticket is None:  # closed by someone else a moment ago
        raise unknown_conversation(conversation_id)
    # Shielded: a client going away must not leave the case half closed.
    return response.json(await asyncio.shield(_finish_closing(ctx, ticket, live, outcome, notes, now)))


async def _finish_closing(
    ctx: Any, ticket: Ticket, live: Dict[str, Any], outcome: Dict[str, str], notes: List[CaseNote],
    now: float,
) -> Dict[str, Any]:
    """Archives the case of a conversation just closed in the queue and gives it back
    to the bot; when that fails, the agent gets it back to close again."""
    conversation_id = ticket.conversation_id
    try:
        archived_id = await archive_case(ctx, ClosedCase.from_context(
            # The package the bot made at handoff, with the transcript up to now and
            # the team that finally handled it.
            {**live, **ticket.context, "transcript": live["transcript"], "skill": ticket.skill},
            **outcome,
            closed_at=now,
            agent_id=ticket.agent_id,
            enqueued_at=ticket.enqueued_at,
            assigned_at=ticket.assigned_at,
            notes=notes,
            case_id=case_id(conversation_id, ticket.enqueued_at),
        ))
        # Said before the bot takes over, so it comes before the bot's thanks.
        await ctx.messenger.agent_left(conversation_id, ticket.language or SIMPLIFIED)
        rating_requested = await _back_to_the_bot(ctx, conversation_id)
    except Exception:
        # Rasa or the archive failed (503): archiving again keeps the first copy
        # (same case id), so closing again is safe.
        await ctx.queue.reopen(ticket)
        raise
    await ctx.notes.delete(conversation_id)
    await ctx.alerts.clear(conversation_id)
    await ctx.watch.queue_changed("closed", conversation_id, ticket.skill)
    agent = ctx.users.get(ticket.agent_id or "")
    if agent:
        await ctx.watch.agent_has_room(agent)
    return {"case_id": archived_id, "rating_requested": rating_requested}


def _transfer_target(ctx: Any, body: Dict[str, Any]):
    """(skill, None) or (None, agent id), checked against the queue and the users."""
    skill, agent_id = body.get("skill"), body.get("agent_id")
    if (skill is None) == (agent_id is None):
        raise ApiError(400, "invalid_field", 'Give either "skill" or "agent_id".')
    if skill is not None and skill not in ctx.queue.settings.skills:
        raise ApiError(
            400, "invalid_field",
            f"Unknown skill {skill!r}; known: {', '.join(ctx.queue.settings.skills)}.",
            field="skill",
        )
    if agent_id is not None and (
        not isinstance(agent_id, str) or getattr(ctx.users.get(agent_id), "role", None) != "agent"
    ):
        raise ApiError(400, "invalid_field", f"{agent_id!r} is not an agent.", field="agent_id")
    return skill, agent_id


async def _live_context(ctx: Any, ticket: Ticket, now: float) -> Dict[str, Any]:
    """The context package as of now, from the conversation's tracker in Rasa."""
    tracker = await ctx.rasa.tracker(ticket.conversation_id)
    return build_context(tracker, Route(ticket.reason, ticket.priority, ticket.skill), [], now)


async def _back_to_the_bot(ctx: Any, conversation_id: str) -> bool:
    """Resumes the bot, which thanks the customer and asks for a rating; False when the
    bot's domain has no rating question."""
    # The bot was paused right after handing off, before it could listen; without
    # the listen the rating rule would not see a fresh turn.
    await ctx.rasa.append_events(conversation_id, [
        {"event": "resume", "timestamp": time.time()},
        {"event": "action", "name": "action_listen", "timestamp": time.time()},
    ])
    rating_requested = await ctx.rasa.trigger_intent(conversation_id, HANDOFF_CLOSED_INTENT)
    if not rating_requested:
        logger.warning(
            "The bot's domain has no intent %r: conversation %s resumed without a rating question.",
            HANDOFF_CLOSED_INTENT, conversation_id,
        )
    return rating_requested
