"""The editor service's settings and wiring: what each request finds in app.ctx (store,
users, signer, login throttle, Redis for publication notices), the JSON errors of the
knowledge library's exceptions, and the routes (knowledge/service/routes/)."""
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import redis
from sanic import Sanic
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from foundation.redis_client import connect
from foundation.settings import VAR
from foundation.staff.auth import TokenSigner, hash_password, load_users
from foundation.staff.login_throttle import LocalLoginThrottle, LoginThrottle
from foundation.staff.web import (
    add_error_handlers,
    add_openapi_route,
    add_staff_toolkit_route,
    configure_logging,
    error_response,
)
from knowledge.answer_tests import AnswerTestError
from knowledge.article import ArticleError
from knowledge.publishing import OwnChange, PublishRefused, Unreviewed
from knowledge.search import KnowledgeIndex
from knowledge.service.roles import ROLES
from knowledge.service.routes.answer_tests import answer_tests
from knowledge.service.routes.articles import articles
from knowledge.service.routes.gaps import gaps
from knowledge.service.routes.pages import pages
from knowledge.service.routes.preview import preview
from knowledge.service.routes.publishing import publishing
from knowledge.service.routes.requests import MAX_BODY_BYTES
from knowledge.service.routes.versions import versions
from knowledge.service.routes.views import gate_view
from knowledge.service.threads import in_thread
from knowledge.store import KnowledgeStore
from knowledge.versions import EditConflict, UnknownArticle

logger = logging.getLogger(__name__)

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")


@dataclass(frozen=True)
class EditorSettings:
    host: str = "127.0.0.1"
    port: int = 5007
    database_url: str = f"sqlite:///{VAR / 'knowledge.db'}"
    # Where publications are announced (and failed logins counted); optional.
    redis_url: Optional[str] = None
    # HMAC key of login tokens; a random one means every restart logs everyone out.
    secret: str = ""
    users_file: Path = VAR / "knowledge-users.yml"
    key_prefix: str = "knowledge:"

    @classmethod
    def from_environment(cls) -> "EditorSettings":
        env = os.environ
        defaults = cls()
        return cls(
            host=env.get("KNOWLEDGE_HOST", defaults.host),
            port=int(env.get("KNOWLEDGE_PORT", defaults.port)),
            database_url=env.get("KNOWLEDGE_DATABASE_URL") or defaults.database_url,
            redis_url=env.get("REDIS_URL") or None,
            secret=env.get("KNOWLEDGE_SECRET") or secrets.token_urlsafe(32),
            users_file=Path(env.get("KNOWLEDGE_USERS_FILE") or defaults.users_file),
            key_prefix=env.get("KNOWLEDGE_KEY_PREFIX", defaults.key_prefix),
        )


def create_app(settings: EditorSettings) -> Sanic:
    app = Sanic("knowledge_editor", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.ctx.settings = settings
    app.ctx.users = load_users(settings.users_file, ROLES)

    @app.before_server_start
    async def start(app: Sanic, _loop) -> None:
        await _set_up_context(app.ctx, settings)

    @app.after_server_start
    async def warm_up(app: Sanic, _loop) -> None:
        # The first answer-test run would also load the sentence encoder and the
        # segmenter (seconds); do it now, beside serving.
        store = app.ctx.store
        app.add_task(in_thread(lambda: KnowledgeIndex.build(store.published_articles())))

    @app.after_server_stop
    async def stop(app: Sanic, _loop) -> None:
        ctx = app.ctx
        if ctx.notices is not None:
            ctx.notices.close()
            await ctx.throttle_redis.close()
        ctx.store.close()

    add_error_handlers(app, "editor service")
    _add_knowledge_error_handlers(app)
    add_openapi_route(app, OPENAPI_FILE)
    add_staff_toolkit_route(app)
    app.blueprint([pages, articles, versions, preview, answer_tests, publishing, gaps])
    return app


async def _set_up_context(ctx, settings: EditorSettings) -> None:
    """The store (seeded when empty), token signing, the login throttle and the Redis
    client publications are announced on, in app.ctx."""
    ctx.store = KnowledgeStore(settings.database_url)
    seeded = await in_thread(ctx.store.ensure_seeded)
    if seeded:
        logger.info("Seeded the empty knowledge store: %d articles.", len(seeded.created))
    ctx.signer = TokenSigner(settings.secret)
    # Unknown user names are checked against this, so they take as long as known ones.
    ctx.decoy_hash = hash_password(secrets.token_urlsafe(16))
    if settings.redis_url:
        ctx.notices = redis.Redis.from_url(settings.redis_url)
        ctx.throttle_redis = connect(settings.redis_url)
        ctx.throttle = LoginThrottle(ctx.throttle_redis, settings.key_prefix)
    else:
        ctx.notices = ctx.throttle_redis = None
        ctx.throttle = LocalLoginThrottle()
    logger.info(
        "Knowledge editor service: %d users from %s, store %s, %s.",
        len(ctx.users), settings.users_file, make_url(ctx.store.url).render_as_string(hide_password=True),
        "publications announced on Redis" if settings.redis_url else "no Redis: processes poll the store",
    )
    if not ctx.users:
        logger.warning(
            "Nobody can log in: %s has no users with the roles %s.", settings.users_file, ", ".join(ROLES)
        )


def _add_knowledge_error_handlers(app: Sanic) -> None:
    """The knowledge library's refusals as JSON: 4xx for the caller's mistakes, 503
    when the store or Redis does not answer."""

    @app.exception(ArticleError)
    async def invalid_article(_request: Request, error: ArticleError) -> HTTPResponse:
        return error_response(
            400, "invalid_article", f"The article was not saved: {'; '.join(error.problems)}",
            problems=error.problems,
        )

    @app.exception(AnswerTestError)
    async def invalid_tests(_request: Request, error: AnswerTestError) -> HTTPResponse:
        return error_response(
            400, "invalid_answer_tests", f"The answer tests were not saved: {'; '.join(error.problems)}",
            problems=error.problems,
        )

    @app.exception(UnknownArticle)
    async def unknown_article(_request: Request, error: UnknownArticle) -> HTTPResponse:
        message = str(error)  # "no article 'x'": a sentence here
        return error_response(404, "unknown_article", f"{message[:1].upper()}{message[1:]}.")

    @app.exception(EditConflict)
    async def edit_conflict(_request: Request, error: EditConflict) -> HTTPResponse:
        return error_response(409, "edit_conflict", str(error))

    @app.exception(Unreviewed)
    async def unreviewed(_request: Request, error: Unreviewed) -> HTTPResponse:
        return error_response(409, "unreviewed", str(error), problems=error.problems)

    @app.exception(OwnChange)
    async def own_change(_request: Request, error: OwnChange) -> HTTPResponse:
        return error_response(403, "own_change", str(error), problems=error.problems)

    @app.exception(PublishRefused)
    async def publish_refused(_request: Request, refused: PublishRefused) -> HTTPResponse:
        return error_response(409, "publish_refused", str(refused), report=gate_view(refused.gate, None))

    @app.exception(redis.RedisError)
    async def redis_down(_request: Request, error: redis.RedisError) -> HTTPResponse:
        logger.error("Redis failed: %s", error)
        return error_response(503, "redis_unavailable", "Redis is not answering; try again shortly.")

    @app.exception(OperationalError)
    async def database_down(_request: Request, error: OperationalError) -> HTTPResponse:
        logger.error("Knowledge store failed: %s", error)
        return error_response(
            503, "database_unavailable", "The knowledge store is not answering; nothing was changed. Try again shortly."
        )

    @app.exception(PayloadTooLarge)
    async def too_large(_request: Request, _error: PayloadTooLarge) -> HTTPResponse:
        return error_response(
            413, "too_large", f"The request is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB; nothing was saved."
        )


def main() -> None:
    configure_logging()
    settings = EditorSettings.from_environment()
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, workers=1, access_log=False, motd=False)
