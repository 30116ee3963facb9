"""The agent service: the REST API and websocket the agent console and supervisors use.

Run: `python -m handoff.service` (settings from the environment, see ServiceSettings).
Every route is documented in handoff/openapi.yaml, served as /openapi.json.

The service holds no state of its own: the queue, notes, alerts and login throttling
live in Redis, conversations in Rasa's tracker store, closed cases in SQL
(handoff/cases.py). So several instances can run behind a load balancer; consoles
reach the right one through Redis pub/sub (handoff/relay.py).

Sending an agent's message records it in the Rasa tracker first and then emits it to
the customer's web chat. When Rasa is down the answer is 503 and nothing was sent, so
the console can simply send it again.

Errors are JSON: {"error": code, "message": text}, 4xx for the caller's mistakes, 503
when Redis, Rasa or the case database does not answer.
"""
import asyncio
import hashlib
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp
import redis.asyncio as redis
from redis.exceptions import RedisError
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import OperationalError
from websockets.exceptions import ConnectionClosed

from foundation.settings import VAR
from foundation.staff.web import (
    ApiError,
    PageFolder,
    add_error_handlers,
    add_openapi_route,
    add_staff_toolkit_route,
    authenticate,
    authenticated,
    check_login,
    configure_logging,
    error_response,
    json_body,
)
from foundation.staff.auth import LoginThrottle, TokenSigner, User, hash_password, load_users
from handoff.cases import CATEGORIES, DEPARTMENTS, CaseArchive, CaseNote, ClosedCase
from handoff.context import build_context
from handoff.queue import (
    AgentUnavailable,
    HandoffQueue,
    Presence,
    QueueSettings,
    Ticket,
    UnknownConversation,
)
from handoff.relay import (
    DEFAULT_EVENTS_STREAM,
    RASA_TIMEOUT_SECONDS,
    ConsoleHub,
    CustomerMessenger,
    EventRelay,
    OverdueAlerts,
    QueueWatch,
    RasaClient,
    RasaUnavailable,
)
from handoff.routing import Route
from handoff.suggestions import KnowledgeSuggestions

logger = logging.getLogger(__name__)

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")
MAX_TEXT_CHARS = 4000
# The intent that hands the conversation back to the bot (thanks, rating question).
HANDOFF_CLOSED_INTENT = "handoff_closed"
# The agent console and supervisor pages.
CONSOLE = PageFolder(Path(__file__).resolve().parent / "console")
# Websocket close codes for a refused console (4000-4999 are the application's).
WS_UNAUTHORISED = 4401


@dataclass(frozen=True)
class ServiceSettings:
    redis_url: str
    host: str = "127.0.0.1"
    port: int = 5006
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_auth_token: str = ""
    # HMAC key of login tokens; a random one means every restart logs everyone out.
    secret: str = ""
    users_file: Path = VAR / "handoff-users.yml"
    push_assignment: bool = False  # HANDOFF_ASSIGNMENT=push; pull (agents claim) otherwise
    position_update_seconds: float = 30.0
    events_stream: str = DEFAULT_EVENTS_STREAM

    @classmethod
    def from_environment(cls) -> "ServiceSettings":
        env = os.environ
        if not env.get("REDIS_URL"):
            raise SystemExit("REDIS_URL must be set: the handoff queue lives in Redis.")
        assignment = env.get("HANDOFF_ASSIGNMENT", "pull")
        if assignment not in ("pull", "push"):
            raise SystemExit(f"HANDOFF_ASSIGNMENT must be pull or push, not {assignment!r}.")
        defaults = cls(redis_url="")
        return cls(
            redis_url=env["REDIS_URL"],
            host=env.get("HANDOFF_HOST", defaults.host),
            port=int(env.get("HANDOFF_PORT", defaults.port)),
            rasa_url=env.get("RASA_URL", defaults.rasa_url),
            rasa_auth_token=env.get("RASA_AUTH_TOKEN", ""),
            secret=env.get("HANDOFF_SECRET") or secrets.token_urlsafe(32),
            users_file=Path(env.get("HANDOFF_USERS_FILE") or defaults.users_file),
            push_assignment=assignment == "push",
            position_update_seconds=float(
                env.get("HANDOFF_POSITION_UPDATE_SECONDS", defaults.position_update_seconds)
            ),
            events_stream=env.get("RASA_EVENTS_STREAM", defaults.events_stream),
        )


def create_app(settings: ServiceSettings) -> Sanic:
    # Sanic's loggers go to the root logger main() sets up, masked like every line.
    app = Sanic("handoff_service", configure_logging=False)
    # Agents send texts of at most MAX_TEXT_CHARS; nothing needs a big body.
    app.config.REQUEST_MAX_SIZE = 64 * 1024
    app.ctx.settings = settings
    queue_settings = QueueSettings.from_environment()
    app.ctx.users = load_users(settings.users_file)
    _check_skills(app.ctx.users, queue_settings, settings.users_file)

    @app.before_server_start
    async def start(app: Sanic, _loop) -> None:
        ctx = app.ctx
        ctx.queue = HandoffQueue(
            redis.Redis.from_url(settings.redis_url, decode_responses=True), queue_settings
        )
        ctx.signer = TokenSigner(settings.secret)
        ctx.throttle = LoginThrottle(ctx.queue.redis, ctx.queue.settings.key_prefix)
        # Unknown user names are checked against this, so they take as long as known ones.
        ctx.decoy_hash = hash_password(secrets.token_urlsafe(16))
        ctx.archive = CaseArchive.from_environment()
        ctx.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=RASA_TIMEOUT_SECONDS))
        ctx.rasa = RasaClient(settings.rasa_url, settings.rasa_auth_token, ctx.http)
        ctx.messenger = CustomerMessenger(ctx.rasa, settings.redis_url)
        ctx.alerts = OverdueAlerts(ctx.queue)
        ctx.notes = ConversationNotes(ctx.queue)
        # The hub hands the action server's notifications to the watch, made next.
        ctx.hub = ConsoleHub(ctx.queue.redis, on_notification=lambda n: ctx.watch.on_notification(n))
        ctx.watch = QueueWatch(
            ctx.queue, ctx.hub, ctx.messenger, ctx.alerts,
            settings.push_assignment, settings.position_update_seconds,
        )
        relay = EventRelay(ctx.queue, ctx.hub, settings.events_stream)
        ctx.suggestions = KnowledgeSuggestions()
        ctx.tasks = [
            asyncio.ensure_future(job)
            for job in (ctx.hub.listen(), relay.run(), ctx.watch.run(), ctx.suggestions.start(settings.redis_url))
        ]
        logger.info(
            "Handoff service: %d users from %s, %s assignment, Rasa at %s, stream %s.",
            len(ctx.users), settings.users_file,
            "push" if settings.push_assignment else "pull", settings.rasa_url,
            settings.events_stream,
        )
        if not ctx.users:
            logger.warning(
                "Nobody can log in: %s has no users. Add some with "
                "`python -m foundation.staff.auth add-user %s <id> --role agent --skills ...`.",
                settings.users_file, settings.users_file,
            )

    @app.after_server_stop
    async def stop(app: Sanic, _loop) -> None:
        await app.ctx.suggestions.stop()
        for task in app.ctx.tasks:
            task.cancel()
        await asyncio.gather(*app.ctx.tasks, return_exceptions=True)
        await app.ctx.messenger.close()
        await app.ctx.http.close()
        await app.ctx.queue.disconnect()
        app.ctx.archive.close()

    # Errors

    add_error_handlers(app, "handoff service")

    @app.exception(RedisError)
    async def redis_down(_request: Request, error: RedisError) -> HTTPResponse:
        logger.error("Redis failed: %s", error)
        return error_response(
            503, "redis_unavailable", "The queue (Redis) is not answering; try again shortly."
        )

    @app.exception(RasaUnavailable)
    async def rasa_down(_request: Request, error: RasaUnavailable) -> HTTPResponse:
        logger.error("%s", error)
        return error_response(
            503, "rasa_unavailable",
            "The assistant (Rasa) is not answering, so nothing was sent or changed; "
            "try again shortly.",
        )

    @app.exception(OperationalError)
    async def database_down(_request: Request, error: OperationalError) -> HTTPResponse:
        logger.error("Case database failed: %s", error)
        return error_response(
            503, "database_unavailable",
            "The case archive is not answering, so the case was not closed; try again shortly.",
        )

    # Open routes

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        try:
            await request.app.ctx.queue.redis.ping()
        except RedisError:
            return error_response(503, "redis_unavailable", "Redis is not answering.")
        return response.json({"status": "ok"})

    @app.get("/console")
    async def console_page(_request: Request) -> HTTPResponse:
        return await CONSOLE.page("console.html")

    @app.get("/supervisor")
    async def supervisor_page(_request: Request) -> HTTPResponse:
        return await CONSOLE.page("supervisor.html")

    @app.get("/console/<asset>")
    async def console_asset(_request: Request, asset: str) -> HTTPResponse:
        return await CONSOLE.asset(asset)

    add_openapi_route(app, OPENAPI_FILE)
    add_staff_toolkit_route(app)

    @app.post("/api/login")
    async def login(request: Request) -> HTTPResponse:
        ctx = request.app.ctx
        body = json_body(request)
        user = await check_login(ctx, _text(body, "user", 200), body.get("password"))
        if user.role == "agent":
            await _set_presence(ctx, user, Presence.ONLINE)
        token, claims = ctx.signer.issue(user)
        return response.json({"token": token, "expires_at": claims.expires_at, "user": user.public()})

    # Agents

    @app.post("/api/presence")
    @authenticated(role="agent")
    async def presence(request: Request) -> HTTPResponse:
        body = json_body(request)
        try:
            presence = Presence(body.get("presence"))
        except ValueError:
            raise ApiError(
                400, "invalid_field", "presence must be online, away or offline.", field="presence"
            )
        requeued = await _set_presence(request.app.ctx, request.ctx.user, presence)
        return response.json({"presence": presence.value, "requeued": requeued})

    @app.get("/api/queues")
    @authenticated()
    async def queues(request: Request) -> HTTPResponse:
        queue = request.app.ctx.queue
        now = time.time()
        result = []
        for skill in queue.settings.skills:
            ids = await queue.redis.zrange(f"{queue.settings.key_prefix}queue:{skill}", 0, -1)
            waiting = []
            for position, conversation_id in enumerate(ids, start=1):
                ticket = await queue.ticket(conversation_id)
                if ticket is not None:
                    view = await _ticket_view(queue, ticket, now)
                    waiting.append({**view, "position": position})
            result.append({"skill": skill, "waiting": waiting})
        return response.json({"queues": result})

    @app.post("/api/claim")
    @authenticated(role="agent")
    async def claim(request: Request) -> HTTPResponse:
        ctx = request.app.ctx
        ticket = await ctx.queue.claim_next(request.ctx.user.id)
        if ticket is None:
            return response.empty()
        await ctx.alerts.clear(ticket.conversation_id)
        await ctx.watch.queue_changed("claimed", ticket.conversation_id, ticket.skill)
        return response.json({"conversation": await _ticket_view(ctx.queue, ticket, time.time())})

    @app.get("/api/conversations")
    @authenticated()
    async def my_conversations(request: Request) -> HTTPResponse:
        queue = request.app.ctx.queue
        chats_key = f"{queue.settings.key_prefix}agent:{request.ctx.user.id}:chats"
        now = time.time()
        views = []
        for conversation_id in sorted(await queue.redis.smembers(chats_key)):
            ticket = await queue.ticket(conversation_id)
            if ticket is not None:
                views.append(await _ticket_view(queue, ticket, now))
        return response.json({"conversations": views})

    @app.get("/api/conversations/<conversation_id>")
    @authenticated()
    async def conversation(request: Request, conversation_id: str) -> HTTPResponse:
        ctx = request.app.ctx
        ticket = await _conversation(request, conversation_id)
        tracker = await ctx.rasa.tracker(conversation_id)
        now = time.time()
        live = build_context(tracker, _route(ticket), [], now)
        return response.json({
            "conversation": await _ticket_view(ctx.queue, ticket, now),
            "context": ticket.context,
            "transcript": live["transcript"],
            "notes": await ctx.notes.all(conversation_id),
        })

    @app.post("/api/conversations/<conversation_id>/messages")
    @authenticated()
    async def send_message(request: Request, conversation_id: str) -> HTTPResponse:
        ctx = request.app.ctx
        user = request.ctx.user
        text = _text(json_body(request), "text", MAX_TEXT_CHARS)
        ticket = await _conversation(request, conversation_id)
        sent_at = await ctx.messenger.send(
            conversation_id, text, {"agent": user.id, "agent_name": user.name}
        )
        await ctx.queue.record_agent_reply(conversation_id)
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

    @app.post("/api/conversations/<conversation_id>/notes")
    @authenticated()
    async def add_note(request: Request, conversation_id: str) -> HTTPResponse:
        text = _text(json_body(request), "text", MAX_TEXT_CHARS)
        await _conversation(request, conversation_id)
        note = await request.app.ctx.notes.add(conversation_id, request.ctx.user.id, text)
        return response.json({"note": note}, status=201)

    @app.post("/api/conversations/<conversation_id>/transfer")
    @authenticated()
    async def transfer(request: Request, conversation_id: str) -> HTTPResponse:
        ctx = request.app.ctx
        body = json_body(request)
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
        ticket = await _conversation(request, conversation_id)
        try:
            placement = await ctx.queue.transfer(conversation_id, skill=skill, agent_id=agent_id)
        except UnknownConversation:
            raise _unknown_conversation(conversation_id)
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
            "conversation": await _ticket_view(ctx.queue, placement.ticket, time.time()),
            "position": placement.position,
        })

    @app.post("/api/conversations/<conversation_id>/close")
    @authenticated()
    async def close(request: Request, conversation_id: str) -> HTTPResponse:
        ctx = request.app.ctx
        outcome = _outcome(json_body(request))
        ticket = await _conversation(request, conversation_id)
        now = time.time()
        tracker = await ctx.rasa.tracker(conversation_id)
        live = build_context(tracker, _route(ticket), [], now)
        times = await _ticket_times(ctx.queue, conversation_id)
        case = ClosedCase.from_context(
            # The package the bot made at handoff, with the transcript up to now and
            # the team that finally handled it.
            {**live, **ticket.context, "transcript": live["transcript"], "skill": ticket.skill},
            **outcome,
            closed_at=now,
            agent_id=ticket.agent_id,
            enqueued_at=ticket.enqueued_at,
            assigned_at=times["assigned_at"],
            notes=[CaseNote(**note) for note in await ctx.notes.all(conversation_id)],
            # The same id for the same handoff, so a retried close archives it once.
            case_id=_case_id(conversation_id, ticket.enqueued_at),
        )
        case_id = await asyncio.get_running_loop().run_in_executor(None, ctx.archive.archive, case)
        # Back to the bot: it thanks the customer and asks for a rating.
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
        await ctx.queue.close(conversation_id)
        await ctx.notes.delete(conversation_id)
        await ctx.alerts.clear(conversation_id)
        await ctx.watch.queue_changed("closed", conversation_id, ticket.skill)
        agent = ctx.users.get(ticket.agent_id or "")
        if agent:
            await ctx.watch.agent_has_room(agent)
        return response.json({"case_id": case_id, "rating_requested": rating_requested})

    @app.get("/api/suggestions")
    @authenticated()
    async def suggestions(request: Request) -> HTTPResponse:
        conversation_id = request.args.get("conversation_id")
        if not conversation_id:
            raise ApiError(400, "invalid_field", "conversation_id is required.", field="conversation_id")
        ticket = await _conversation(request, conversation_id)
        tracker = await request.app.ctx.rasa.tracker(conversation_id)
        asked = [e.get("text") or "" for e in tracker.get("events", []) if e.get("event") == "user"]
        return response.json(request.app.ctx.suggestions.for_question(asked[-1] if asked else "", ticket.language))

    @app.get("/api/options")
    @authenticated()
    async def options(request: Request) -> HTTPResponse:
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

    # Callbacks

    @app.get("/api/callbacks")
    @authenticated()
    async def callbacks(request: Request) -> HTTPResponse:
        return response.json({
            "callbacks": [_callback_view(callback) for callback in await request.app.ctx.queue.callbacks()]
        })

    @app.post("/api/callbacks/<callback_id>/done")
    @authenticated()
    async def callback_done(request: Request, callback_id: str) -> HTTPResponse:
        ctx = request.app.ctx
        outcome = _outcome(json_body(request))
        callback = next((c for c in await ctx.queue.callbacks() if c.callback_id == callback_id), None)
        if callback is None:
            raise ApiError(404, "unknown_callback", f"No open callback {callback_id!r}.")
        ticket = callback.ticket
        case = ClosedCase.from_context(
            {**_minimal_context(ticket), **ticket.context},
            **outcome,
            closed_at=time.time(),
            agent_id=request.ctx.user.id,
            enqueued_at=callback.left_at,
            case_id=_case_id(callback_id, callback.left_at),
        )
        case_id = await asyncio.get_running_loop().run_in_executor(None, ctx.archive.archive, case)
        await ctx.queue.close_callback(callback_id)
        return response.json({"case_id": case_id})

    # Supervisors

    @app.get("/api/supervisor/overview")
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
            chats_key = f"{ctx.queue.settings.key_prefix}agent:{agent.agent_id}:chats"
            agents.append({
                "id": agent.agent_id,
                "name": user.name if user else agent.agent_id,
                "presence": agent.presence.value,
                "load": agent.load,
                "capacity": agent.capacity,
                "skills": agent.skills,
                "conversations": sorted(await ctx.queue.redis.smembers(chats_key)),
            })
        return response.json({
            "skills": skills,
            "waiting": sum(s.waiting for s in stats.skills.values()),
            "longest_wait_seconds": max(waits) if waits else None,
            "agents": agents,
            "alerts": await ctx.alerts.all(),
        })

    # Console websocket

    @app.websocket("/ws")
    async def console_socket(request: Request, websocket) -> None:
        ctx = request.app.ctx
        try:
            user, claims = authenticate(ctx, request.args.get("token") or "")
        except ApiError as error:
            await websocket.close(WS_UNAUTHORISED, error.message)
            return
        ctx.hub.connect(websocket, user)
        try:
            while True:
                reply = await _console_message(ctx, user, claims, await websocket.recv())
                if reply is None:
                    await websocket.close(WS_UNAUTHORISED, "The token has expired; log in again.")
                    return
                await websocket.send(json.dumps(reply))
        except ConnectionClosed:
            pass
        finally:
            ctx.hub.disconnect(websocket)

    return app


# Users


def _check_skills(users: Dict[str, User], queue_settings: QueueSettings, path: Path) -> None:
    for user in users.values():
        unknown = set(user.skills) - set(queue_settings.skills)
        if unknown:
            raise SystemExit(
                f"{path}: user {user.id!r} has unknown skills {sorted(unknown)}; "
                f"known: {', '.join(queue_settings.skills)} (HANDOFF_SKILLS)."
            )


async def _set_presence(ctx, user: User, presence: Presence) -> List[str]:
    """Registers the agent with their skills and capacity from the users file, so an
    edited file takes effect at the next login; returns the chats they gave back."""
    requeued = await ctx.queue.register_agent(user.id, user.skills, user.capacity, presence)
    await ctx.watch.requeued(requeued)
    if presence == Presence.ONLINE:
        await ctx.watch.agent_has_room(user)
    return [chat.conversation_id for chat in requeued]


async def _console_message(ctx, user: User, claims, raw: Any) -> Optional[Dict[str, Any]]:
    """The reply to a console's websocket message; None when its token has expired."""
    try:
        message = json.loads(raw)
    except (TypeError, ValueError):
        return {"type": "error", "error": "invalid_json", "message": "Send JSON messages."}
    kind = message.get("type") if isinstance(message, dict) else None
    if kind != "heartbeat":
        return {"type": "error", "error": "unknown_type", "message": 'Only {"type": "heartbeat"} is understood.'}
    if claims.expires_at <= time.time():
        return None
    if user.role != "agent":
        return {"type": "heartbeat", "lease": None}
    try:
        return {"type": "heartbeat", "lease": await ctx.queue.heartbeat(user.id)}
    except RedisError:
        return {"type": "error", "error": "redis_unavailable", "message": "The queue (Redis) is not answering."}


# Requests


def _text(body: Dict[str, Any], field: str, max_chars: int) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid_field", f"{field} must be a non-empty text.", field=field)
    if len(value) > max_chars:
        raise ApiError(
            400, "invalid_field", f"{field} is longer than {max_chars} characters.", field=field
        )
    return value.strip()


def _outcome(body: Dict[str, Any]) -> Dict[str, str]:
    """category, department and disposition of a closed case."""
    for field, known in (("category", CATEGORIES), ("department", DEPARTMENTS)):
        if body.get(field) not in known:
            raise ApiError(
                400, "invalid_field",
                f"{field} must be one of: {', '.join(known)}.", field=field, known=list(known),
            )
    disposition = body.get("disposition") or ""
    if not isinstance(disposition, str) or len(disposition) > MAX_TEXT_CHARS:
        raise ApiError(
            400, "invalid_field", f"disposition must be a text of at most {MAX_TEXT_CHARS} characters.",
            field="disposition",
        )
    return {"category": body["category"], "department": body["department"], "disposition": disposition.strip()}


async def _conversation(request: Request, conversation_id: str) -> Ticket:
    """The ticket of a handed-off conversation the user may act on: their own, or any
    for a supervisor."""
    ticket = await request.app.ctx.queue.ticket(conversation_id)
    if ticket is None:
        raise _unknown_conversation(conversation_id)
    user = request.ctx.user
    if not user.is_supervisor and ticket.agent_id != user.id:
        raise ApiError(403, "not_your_conversation", "This conversation is not assigned to you.")
    return ticket


def _unknown_conversation(conversation_id: str) -> ApiError:
    return ApiError(
        404, "unknown_conversation",
        f"No conversation {conversation_id!r} with the agents: never handed off, or closed.",
    )


# Views


async def _ticket_times(queue: HandoffQueue, conversation_id: str) -> Dict[str, Optional[float]]:
    """Times the queue keeps in the ticket hash (see handoff/queue.py) but not in Ticket."""
    names = ("waiting_since", "assigned_at", "last_agent_reply_at")
    values = await queue.redis.hmget(f"{queue.settings.key_prefix}ticket:{conversation_id}", names)
    return {name: None if value is None else float(value) for name, value in zip(names, values)}


async def _ticket_view(queue: HandoffQueue, ticket: Ticket, now: float) -> Dict[str, Any]:
    times = await _ticket_times(queue, ticket.conversation_id)
    waited = None if times["waiting_since"] is None else now - times["waiting_since"]
    return {
        "conversation_id": ticket.conversation_id,
        "state": ticket.state,
        "skill": ticket.skill,
        "priority": ticket.priority,
        "reason": ticket.reason,
        "channel": ticket.channel,
        "language": ticket.language,
        "summary": ticket.context.get("summary", ""),
        "agent_id": ticket.agent_id,
        "enqueued_at": ticket.enqueued_at,
        **times,
        "waited_seconds": waited,
        "escalated": ticket.escalated_at is not None,
        "overdue": ticket.escalated_at is not None
        or (waited is not None and waited > queue.settings.sla_wait_seconds),
    }


def _callback_view(callback) -> Dict[str, Any]:
    ticket = callback.ticket
    return {
        "callback_id": callback.callback_id,
        "conversation_id": ticket.conversation_id,
        "message": callback.message,
        "left_at": callback.left_at,
        "skill": ticket.skill,
        "priority": ticket.priority,
        "reason": ticket.reason,
        "channel": ticket.channel,
        "language": ticket.language,
        "summary": ticket.context.get("summary", ""),
        "customer": ticket.context.get("customer"),
    }


def _route(ticket: Ticket) -> Route:
    return Route(ticket.reason, ticket.priority, ticket.skill)


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


def _case_id(*parts: Any) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode("utf-8")).hexdigest()[:32]


class ConversationNotes:
    """Agents' internal notes while a conversation is open: LIST {prefix}notes:{id}.
    They go into the case archive when it closes."""

    def __init__(self, queue: HandoffQueue) -> None:
        self.redis = queue.redis
        self.prefix = queue.settings.key_prefix + "notes:"

    async def add(self, conversation_id: str, agent_id: str, text: str) -> Dict[str, Any]:
        note = {"agent_id": agent_id, "text": text, "created_at": time.time()}
        await self.redis.rpush(self.prefix + conversation_id, json.dumps(note, ensure_ascii=False))
        return note

    async def all(self, conversation_id: str) -> List[Dict[str, Any]]:
        return [json.loads(note) for note in await self.redis.lrange(self.prefix + conversation_id, 0, -1)]

    async def delete(self, conversation_id: str) -> None:
        await self.redis.delete(self.prefix + conversation_id)


def main() -> None:
    configure_logging()
    settings = ServiceSettings.from_environment()
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
