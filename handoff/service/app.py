"""The agent service's settings and wiring: what each request finds in app.ctx, the
background jobs, the JSON errors, and the routes (handoff/service/routes/)."""
import asyncio
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import aiohttp
from redis.exceptions import RedisError
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import OperationalError

from foundation.chat_presence import ChatPresence
from foundation.settings import VAR
from foundation.staff.auth import TokenSigner, User, hash_password, load_users
from foundation.staff.login_throttle import LoginThrottle
from foundation.staff.web import (
    add_error_handlers,
    add_openapi_route,
    add_staff_toolkit_route,
    configure_logging,
    error_response,
    limit_request_size,
)
from handoff.alerts import OverdueAlerts
from handoff.cases import CaseArchive
from handoff.notes import ConversationNotes
from handoff.service.abandoning import Abandonment
from handoff.position_notices import PositionNotices
from handoff.queue import HandoffQueue, QueueSettings
from foundation.redis_client import connect
from handoff.service.console_hub import ConsoleHub
from handoff.service.customer_messages import CustomerMessenger
from handoff.service.event_relay import DEFAULT_EVENTS_STREAM, EventRelay
from handoff.service.queue_watch import QueueWatch
from handoff.service.rasa_client import RASA_TIMEOUT_SECONDS, RasaClient, RasaUnavailable
from handoff.service.routes.agents import agents
from handoff.service.routes.callbacks import callbacks
from handoff.service.routes.console_socket import console_socket
from handoff.service.routes.conversations import conversations
from handoff.service.routes.deliveries import deliveries
from handoff.service.routes.login import login
from handoff.service.routes.options import options
from handoff.service.routes.pages import pages
from handoff.service.routes.supervisor import supervisor
from handoff.suggestions import KnowledgeSuggestions

logger = logging.getLogger(__name__)

OPENAPI_FILE = Path(__file__).resolve().parents[1] / "openapi.yaml"
MAX_BODY_BYTES = 64 * 1024


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
    # How long a waiting customer's web chat may be gone before they leave the queue.
    abandon_grace_seconds: float = 120.0

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
            abandon_grace_seconds=float(
                env.get("HANDOFF_ABANDON_GRACE_SECONDS", defaults.abandon_grace_seconds)
            ),
        )


def create_app(settings: ServiceSettings) -> Sanic:
    # Sanic's loggers go to the root logger main() sets up, masked like every line.
    app = Sanic("handoff_service", configure_logging=False)
    # Agents send texts of at most MAX_TEXT_CHARS (routes/requests.py) and heartbeats;
    # nothing needs a big body.
    limit_request_size(app, MAX_BODY_BYTES)
    app.ctx.settings = settings
    queue_settings = QueueSettings.from_environment()
    app.ctx.users = load_users(settings.users_file)
    _check_skills(app.ctx.users, queue_settings, settings.users_file)

    @app.before_server_start
    async def start(app: Sanic, _loop) -> None:
        _set_up_context(app.ctx, settings, queue_settings)

    @app.after_server_stop
    async def stop(app: Sanic, _loop) -> None:
        await _tear_down_context(app.ctx)

    add_error_handlers(app, "handoff service")
    _add_outage_handlers(app)
    add_openapi_route(app, OPENAPI_FILE)
    add_staff_toolkit_route(app)
    app.blueprint([pages, login, agents, conversations, options, callbacks, supervisor, deliveries,
                   console_socket])
    return app


def _set_up_context(ctx, settings: ServiceSettings, queue_settings: QueueSettings) -> None:
    """The service's parts in app.ctx, and its background jobs started."""
    # One connection pool for the queue, the consoles' channel, the event stream and
    # logins; it reconnects by itself after Redis restarts (foundation/redis_client.py).
    ctx.redis = connect(settings.redis_url)
    ctx.queue = HandoffQueue(ctx.redis, queue_settings)
    ctx.signer = TokenSigner(settings.secret)
    ctx.throttle = LoginThrottle(ctx.redis, queue_settings.key_prefix)
    # Unknown user names are checked against this, so they take as long as known ones.
    ctx.decoy_hash = hash_password(secrets.token_urlsafe(16))
    ctx.archive = CaseArchive.from_environment()
    ctx.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=RASA_TIMEOUT_SECONDS))
    ctx.rasa = RasaClient(settings.rasa_url, settings.rasa_auth_token, ctx.http)
    ctx.messenger = CustomerMessenger.over_redis(ctx.rasa, settings.redis_url)
    ctx.alerts = OverdueAlerts(ctx.queue)
    ctx.notes = ConversationNotes(ctx.queue)
    # The hub hands the action server's notifications to the watch, made next.
    ctx.hub = ConsoleHub(ctx.redis, on_notification=lambda n: ctx.watch.on_notification(n))
    ctx.watch = QueueWatch(
        ctx.queue, ctx.hub, ctx.messenger, ctx.alerts, PositionNotices(ctx.queue),
        settings.push_assignment, settings.position_update_seconds,
    )
    ctx.watch.agent_name = lambda agent_id: getattr(ctx.users.get(agent_id), "name", None)
    ctx.abandonment = Abandonment(ctx.queue, ctx.rasa, ctx.messenger, ctx.archive, ctx.watch,
                                  ChatPresence(ctx.redis), settings.abandon_grace_seconds)
    ctx.watch.abandonment = ctx.abandonment
    relay = EventRelay(ctx.redis, ctx.queue, ctx.hub, settings.events_stream, ctx.abandonment)
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


async def _tear_down_context(ctx) -> None:
    await ctx.suggestions.stop()
    for task in ctx.tasks:
        task.cancel()
    await asyncio.gather(*ctx.tasks, return_exceptions=True)
    await ctx.messenger.close()
    await ctx.http.close()
    await ctx.queue.disconnect()
    ctx.archive.close()


def _add_outage_handlers(app: Sanic) -> None:
    """503 when Redis, Rasa or the case database does not answer."""

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


def _check_skills(users: Dict[str, User], queue_settings: QueueSettings, path: Path) -> None:
    for user in users.values():
        unknown = set(user.skills) - set(queue_settings.skills)
        if unknown:
            raise SystemExit(
                f"{path}: user {user.id!r} has unknown skills {sorted(unknown)}; "
                f"known: {', '.join(queue_settings.skills)} (HANDOFF_SKILLS)."
            )


def main() -> None:
    configure_logging()
    settings = ServiceSettings.from_environment()
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, workers=1, access_log=False, motd=False)
