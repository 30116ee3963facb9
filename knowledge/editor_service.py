"""The editor service: the REST API and web page knowledge editors work with.

Run: `python -m knowledge.editor_service` (settings from the environment, see
EditorSettings). Every route is documented in knowledge/editor_openapi.yaml, served as
/openapi.json; the page is /editor.

Editors list, search, create and edit articles (as fields in JSON, or as the article's
YAML text), edit answer tests, preview an answer exactly as the bot sends it on the web
and on the phone line, and run the answer tests. Reviewers may also publish and roll
back: an editor's change reaches customers only through a reviewer (four eyes). Both
read the history with diffs, the audit log and the gap list.

The service keeps nothing of its own: articles, tests, the audit log and the gaps are
in the knowledge store (knowledge/store.py), whose every change is one transaction, so
a refused request has written nothing. Publishing goes through the answer-test gate
(knowledge/publishing.py) and tells every running LiveIndex over Redis; without Redis
they find the new revision by polling within a second.

Errors are JSON: {"error": code, "message": text}, 4xx for the caller's mistakes, 503
when the store does not answer.
"""
import asyncio
import logging
import os
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import redis
import redis.asyncio as aioredis
import yaml
from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from foundation.language import ENGLISH, SIMPLIFIED, TRADITIONAL
from foundation.settings import VAR
from foundation.staff.web import (
    ApiError,
    PageFolder,
    add_error_handlers,
    add_openapi_route,
    add_staff_toolkit_route,
    authenticated,
    check_login,
    configure_logging,
    error_response,
    json_body,
)
from foundation.staff.auth import (
    LocalLoginThrottle,
    LoginThrottle,
    TokenSigner,
    User,
    hash_password,
    load_users,
)
from foundation.wording import VOICE_CHANNELS
from knowledge.answers import answer_text
from knowledge.answer_tests import AnswerTestError, Outcome
from knowledge.article import PUBLISHED, Article, ArticleError, article_to_dict, article_to_yaml, parse_article
from knowledge.publishing import GateReport, PublishRefused, check, publish, rollback
from knowledge.search import KnowledgeIndex
from knowledge.store import (
    DRAFT,
    AnswerTestsVersion,
    ArticleVersion,
    EditConflict,
    KnowledgeStore,
    UnknownArticle,
)

logger = logging.getLogger(__name__)

OPENAPI_FILE = Path(__file__).with_name("editor_openapi.yaml")
EDITOR_PAGE = PageFolder(Path(__file__).resolve().parent / "editor")

EDITOR = "editor"
REVIEWER = "reviewer"
ROLES = (EDITOR, REVIEWER)
# Why an editor may not publish or roll back.
FOUR_EYES = "an editor's change goes live when a reviewer publishes it"
PREVIEW_CHANNELS = ("web", "ivr")
PREVIEW_LANGUAGES = (SIMPLIFIED, TRADITIONAL, ENGLISH)
LIST_STATUSES = (DRAFT, PUBLISHED)
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
MAX_COMMENT_CHARS = 500
MAX_QUERY_CHARS = 200
# Four answers of the store's longest (20,000 characters, three bytes each in UTF-8,
# more when JSON escapes them) fit; an over-long answer below this size reaches the
# article rules and gets their precise message instead of a bare 413.
MAX_BODY_BYTES = 1024 * 1024


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
        ctx = app.ctx
        ctx.store = KnowledgeStore(settings.database_url)
        seeded = await _in_thread(ctx.store.ensure_seeded)
        if seeded:
            logger.info("Seeded the empty knowledge store: %d articles.", len(seeded.created))
        ctx.signer = TokenSigner(settings.secret)
        # Unknown user names are checked against this, so they take as long as known ones.
        ctx.decoy_hash = hash_password(secrets.token_urlsafe(16))
        if settings.redis_url:
            ctx.notices = redis.Redis.from_url(settings.redis_url)
            ctx.throttle_redis = aioredis.Redis.from_url(settings.redis_url, decode_responses=True)
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

    @app.after_server_start
    async def warm_up(app: Sanic, _loop) -> None:
        # The first answer-test run would also load the sentence encoder and the
        # segmenter (seconds); do it now, beside serving.
        store = app.ctx.store
        app.add_task(_in_thread(lambda: KnowledgeIndex.build(store.published_articles())))

    @app.after_server_stop
    async def stop(app: Sanic, _loop) -> None:
        ctx = app.ctx
        if ctx.notices is not None:
            ctx.notices.close()
            await ctx.throttle_redis.close()
        ctx.store.close()

    # Errors

    add_error_handlers(app, "editor service")

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

    # Open routes

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        revision = await _in_thread(request.app.ctx.store.revision)
        return response.json({"status": "ok", "revision": revision})

    add_openapi_route(app, OPENAPI_FILE)
    add_staff_toolkit_route(app)

    @app.get("/editor")
    async def editor_page(_request: Request) -> HTTPResponse:
        return await EDITOR_PAGE.page("editor.html")

    @app.get("/editor/<asset>")
    async def editor_asset(_request: Request, asset: str) -> HTTPResponse:
        return await EDITOR_PAGE.asset(asset)

    @app.post("/api/login")
    async def login(request: Request) -> HTTPResponse:
        ctx = request.app.ctx
        body = json_body(request)
        user_id = body.get("user")
        if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > 200:
            raise ApiError(400, "invalid_field", "user is required.", field="user")
        user = await check_login(ctx, user_id.strip(), body.get("password"))
        token, claims = ctx.signer.issue(user)
        return response.json({"token": token, "expires_at": claims.expires_at, "user": user_view(user)})

    # Articles

    @app.get("/api/articles")
    @authenticated()
    async def list_articles(request: Request) -> HTTPResponse:
        status = request.args.get("status") or None
        if status is not None and status not in LIST_STATUSES:
            raise ApiError(
                400, "invalid_field", f"status must be one of {', '.join(LIST_STATUSES)}.", field="status"
            )
        query = (request.args.get("query") or "").strip()
        if len(query) > MAX_QUERY_CHARS:
            raise ApiError(400, "invalid_field", f"query is longer than {MAX_QUERY_CHARS} characters.", field="query")
        summaries = await _in_thread(request.app.ctx.store.list, status, query or None)
        names = request.app.ctx.users
        return response.json({
            "articles": [
                {
                    "id": summary.article_id,
                    "title": summary.title,
                    "category": summary.category,
                    "latest_version": summary.latest_version,
                    "latest_status": summary.latest_status,
                    "published_version": summary.published_version,
                    "updated_at": _time(summary.updated_at),
                    "updated_by": summary.updated_by,
                    "updated_by_name": _name(names, summary.updated_by),
                }
                for summary in summaries
            ]
        })

    @app.post("/api/articles")
    @authenticated()
    async def create_article(request: Request) -> HTTPResponse:
        store = request.app.ctx.store
        article, _, comment = _submitted_article(request, creating=True)
        # A new article starts at version 1, whatever the text said.
        saved = await _in_thread(
            store.save_draft, replace(article, version=1), request.ctx.user.id, None, comment
        )
        return response.json(await _article_view(request, saved.article_id), status=201)

    @app.get("/api/articles/<article_id>")
    @authenticated()
    async def get_article(request: Request, article_id: str) -> HTTPResponse:
        return response.json(await _article_view(request, article_id))

    @app.put("/api/articles/<article_id>")
    @authenticated()
    async def save_article(request: Request, article_id: str) -> HTTPResponse:
        store = request.app.ctx.store
        user = request.ctx.user
        article, base_version, comment = _submitted_article(request, creating=False)
        if article.id != article_id:
            raise ApiError(
                400, "invalid_field",
                f"The article's id {article.id!r} is not {article_id!r}, the one being edited; ids cannot change.",
                field="id",
            )
        latest = await _in_thread(store.get, article_id)
        if base_version > latest.version:
            raise ApiError(
                400, "invalid_field",
                f"base_version {base_version} does not exist; the latest is version {latest.version}.",
                field="base_version",
            )
        merged = None
        if base_version < latest.version:
            base = await _in_thread(store.get, article_id, base_version)
            article, merged = merge_edit(base, latest, article)
        if _same_content(article, latest.article):
            view = await _article_view(request, article_id)
            return response.json({**view, "unchanged": True, "merged": merged})
        await _in_thread(store.save_draft, article, user.id, latest.version, comment)
        view = await _article_view(request, article_id)
        return response.json({**view, "unchanged": False, "merged": merged})

    @app.get("/api/articles/<article_id>/versions/<version:int>")
    @authenticated()
    async def get_version(request: Request, article_id: str, version: int) -> HTTPResponse:
        found = await _in_thread(request.app.ctx.store.get, article_id, version)
        return response.json(version_view(found, request.app.ctx.users))

    @app.get("/api/articles/<article_id>/preview")
    @authenticated()
    async def preview(request: Request, article_id: str) -> HTTPResponse:
        channel = request.args.get("channel") or "web"
        language = request.args.get("language") or SIMPLIFIED
        if channel not in PREVIEW_CHANNELS:
            raise ApiError(
                400, "invalid_field", f"channel must be one of {', '.join(PREVIEW_CHANNELS)}.", field="channel"
            )
        if language not in PREVIEW_LANGUAGES:
            raise ApiError(
                400, "invalid_field", f"language must be one of {', '.join(PREVIEW_LANGUAGES)}.", field="language"
            )
        version = _int_arg(request, "version", None, 1)
        found = await _in_thread(request.app.ctx.store.get, article_id, version)
        return response.json({
            "article_id": article_id,
            "version": found.version,
            "status": found.status,
            "channel": channel,
            "language": language,
            "spoken": channel in VOICE_CHANNELS,
            # What action_answer_faq sends for this article on that channel and language.
            "text": answer_text(found.article, language, channel),
        })

    @app.put("/api/articles/<article_id>/answer-tests")
    @authenticated()
    async def save_answer_tests(request: Request, article_id: str) -> HTTPResponse:
        body = json_body(request)
        questions = body.get("questions")
        base_version = body.get("base_version")
        if isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 0:
            raise ApiError(
                400, "invalid_field",
                "base_version must be the version of the tests the edit started from (0 when there were none).",
                field="base_version",
            )
        saved = await _in_thread(
            request.app.ctx.store.save_answer_tests, article_id, questions, request.ctx.user.id, base_version
        )
        return response.json(tests_view(saved, request.app.ctx.users))

    @app.get("/api/articles/<article_id>/history")
    @authenticated()
    async def history(request: Request, article_id: str) -> HTTPResponse:
        versions = await _in_thread(request.app.ctx.store.history, article_id)
        users = request.app.ctx.users
        return response.json({
            "article_id": article_id,
            "versions": [
                {key: value for key, value in version_view(version, users).items() if key not in ("article", "yaml")}
                for version in versions
            ],
        })

    @app.get("/api/articles/<article_id>/diff")
    @authenticated()
    async def diff(request: Request, article_id: str) -> HTTPResponse:
        store = request.app.ctx.store
        latest = await _in_thread(store.get, article_id)
        to_version = _int_arg(request, "to", latest.version, 1)
        from_version = _int_arg(request, "from", max(1, to_version - 1), 1)
        text = await _in_thread(store.diff, article_id, from_version, to_version)
        return response.json({"article_id": article_id, "from": from_version, "to": to_version, "diff": text})

    @app.post("/api/articles/<article_id>/rollback")
    @authenticated(role=REVIEWER, reason=FOUR_EYES)
    async def roll_back(request: Request, article_id: str) -> HTTPResponse:
        ctx = request.app.ctx
        version = json_body(request).get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ApiError(400, "invalid_field", "version must be the version to make live again.", field="version")
        result = await _in_thread(rollback, ctx.store, article_id, version, request.ctx.user.id, ctx.notices)
        return response.json({
            **publication_view(result.publication),
            "report": gate_view(result.gate, [(article_id, version)]),
        })

    # Answer tests and publishing

    @app.post("/api/answer-tests/run")
    @authenticated()
    async def run_tests(request: Request) -> HTTPResponse:
        store = request.app.ctx.store
        article_ids = _article_ids(json_body(request))

        def run() -> Tuple[GateReport, List[Tuple[str, int]]]:
            drafts = store.pending_drafts(article_ids)
            return check(store, [draft.article for draft in drafts]), [(d.article_id, d.version) for d in drafts]

        gate, tested = await _in_thread(run)
        return response.json(gate_view(gate, tested))

    @app.post("/api/publish")
    @authenticated(role=REVIEWER, reason=FOUR_EYES)
    async def publish_drafts(request: Request) -> HTTPResponse:
        ctx = request.app.ctx
        article_ids = _article_ids(json_body(request))
        result = await _in_thread(publish, ctx.store, article_ids, request.ctx.user.id, ctx.notices)
        if result.publication is None:
            return response.json({
                "revision": None, "published_at": None, "articles": [], "report": None,
                "message": "Nothing to publish: no article has a draft.",
            })
        return response.json({
            **publication_view(result.publication),
            "report": gate_view(result.gate, list(result.publication.articles)),
        })

    # Audit log and gaps

    @app.get("/api/audit")
    @authenticated()
    async def audit(request: Request) -> HTTPResponse:
        limit = _int_arg(request, "limit", 100, 1, 1000)
        entries = await _in_thread(request.app.ctx.store.audit, limit, request.args.get("article") or None)
        users = request.app.ctx.users
        return response.json({
            "entries": [
                {
                    "id": entry.id,
                    "at": _time(entry.at),
                    "user": entry.user,
                    "user_name": _name(users, entry.user),
                    "action": entry.action,
                    "article_id": entry.article_id,
                    "version": entry.version,
                    "detail": entry.detail,
                }
                for entry in entries
            ]
        })

    @app.get("/api/gaps")
    @authenticated()
    async def gaps(request: Request) -> HTTPResponse:
        limit = _int_arg(request, "limit", 50, 1, 500)
        found = await _in_thread(request.app.ctx.store.gaps, limit)
        return response.json({
            "gaps": [
                {
                    "question": gap.question,
                    "count": gap.count,
                    "first_seen": _time(gap.first_seen),
                    "last_seen": _time(gap.last_seen),
                    "language": gap.language,
                    "channel": gap.channel,
                    "best_article": gap.best_article,
                    "best_score": gap.best_score,
                }
                for gap in found
            ]
        })

    return app


# Logging in


# Requests


def _submitted_article(request: Request, creating: bool) -> Tuple[Article, int, str]:
    """The article of a create or save request, the version the edit started from
    (0 when creating) and the editor's comment.

    JSON: {"article": {fields}, "base_version": n, "comment": text}. YAML
    (Content-Type: application/yaml): the article file's text, with base_version and
    comment in the query string. status and version may be left out: a saved article
    is always a draft, numbered by the store."""
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type in YAML_TYPES:
        data = parse_yaml(request.body)
        fields = {"base_version": request.args.get("base_version"), "comment": request.args.get("comment")}
        if fields["base_version"] is not None:
            try:
                fields["base_version"] = int(fields["base_version"])
            except ValueError:
                pass  # reported as not a whole number below
    else:
        fields = json_body(request)
        data = fields.get("article")
        if not isinstance(data, dict):
            raise ApiError(
                400, "invalid_field", "article must be an object with the article's fields.", field="article"
            )
    base_version = 0
    if not creating:
        base_version = fields.get("base_version")
        if isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 1:
            raise ApiError(
                400, "invalid_field", "base_version must be the version your edit started from.",
                field="base_version",
            )
    comment = fields.get("comment") or ""
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS:
        raise ApiError(
            400, "invalid_field", f"comment must be a text of at most {MAX_COMMENT_CHARS} characters.",
            field="comment",
        )
    if isinstance(data, dict):
        data = {"status": DRAFT, "version": max(base_version, 1), **data}
    return parse_article(data, source=f"article '{_id_of(data)}'"), base_version, comment.strip()


def _id_of(data: object) -> str:
    return str(data.get("id")) if isinstance(data, dict) else "?"


class _ArticleTextLoader(yaml.SafeLoader):
    """Reads an article's YAML as knowledge.article does (dates stay text, for
    parse_article to check), and refuses a key given twice, which PyYAML would
    otherwise settle silently by keeping the last."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the SafeLoader reports it
                continue
            if repeated:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


_ArticleTextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(body: bytes) -> Any:
    """The data of an article's YAML text; ApiError naming the line when invalid."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_yaml", "The YAML text is not UTF-8.")
    try:
        return yaml.load(text, Loader=_ArticleTextLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        if mark is None:
            raise ApiError(400, "invalid_yaml", f"Invalid YAML: {problem}. Nothing was saved.")
        raise ApiError(
            400, "invalid_yaml",
            f"Invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}. Nothing was saved.",
            line=mark.line + 1, column=mark.column + 1,
        )


def _article_ids(body: Dict[str, Any]) -> Optional[List[str]]:
    """The articles a run or a publication is limited to; None for every draft."""
    article_ids = body.get("articles")
    if article_ids is None:
        return None
    if not isinstance(article_ids, list) or not all(isinstance(item, str) and item for item in article_ids):
        raise ApiError(400, "invalid_field", "articles must be a list of article ids.", field="articles")
    return article_ids


def _int_arg(request: Request, name: str, default: Optional[int], minimum: int, maximum: int = 10 ** 9):
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not minimum <= number <= maximum:
        raise ApiError(
            400, "invalid_field", f"{name} must be a whole number from {minimum} to {maximum}.", field=name
        )
    return number


async def _in_thread(function: Callable, *args: Any) -> Any:
    """Store calls and answer-test runs off the event loop: a run takes seconds."""
    return await asyncio.get_running_loop().run_in_executor(None, partial(function, *args))


# Concurrent edits


def _parts(article: Article) -> Dict[str, Any]:
    """The parts of an article two editors may change independently, by name
    (answer.zh.web...)."""
    data = article_to_dict(article)
    parts = {
        "category": data["category"],
        "tags": data["tags"],
        "valid_from": data["valid_from"],
        "valid_until": data["valid_until"],
    }
    for language in data["title"]:
        parts[f"title.{language}"] = data["title"][language]
        parts[f"questions.{language}"] = data["questions"][language]
        for channel, text in data["answer"][language].items():
            parts[f"answer.{language}.{channel}"] = text
    return parts


def _from_parts(template: Article, parts: Dict[str, Any]) -> Article:
    data = article_to_dict(template)
    for name, value in parts.items():
        *path, last = name.split(".")
        target = data
        for key in path:
            target = target[key]
        target[last] = value
    return parse_article(data, source=f"article '{template.id}'")


def merge_edit(base: ArticleVersion, latest: ArticleVersion, mine: Article) -> Tuple[Article, Dict[str, Any]]:
    """Merges an edit started from `base` with the newer `latest` someone else saved:
    each part (a title, the questions of a language, one answer...) changed by only
    one of the two is taken from that one. When both changed the same part
    differently, EditConflict names who, when and which parts, and nothing is saved."""
    before, theirs, ours = _parts(base.article), _parts(latest.article), _parts(mine)
    merged, both = {}, []
    for name in before:
        if ours[name] == before[name]:
            merged[name] = theirs[name]
        elif theirs[name] in (before[name], ours[name]):
            merged[name] = ours[name]
        else:
            both.append(name)
    saved = f"version {latest.version} was saved by {latest.author} at {latest.created_at:%Y-%m-%d %H:%M:%S} UTC"
    if both:
        raise EditConflict(
            f"Article '{mine.id}' was changed while you edited it: {saved}, but your edit started from "
            f"version {base.version}. You both changed {', '.join(both)}. Nothing was saved; reload version "
            f"{latest.version}, reapply your change and save again."
        )
    theirs_changed = [name for name in before if theirs[name] != before[name]]
    note = {
        "base_version": base.version,
        "with_version": latest.version,
        "author": latest.author,
        "their_changes": theirs_changed,
        "message": f"Merged with version {latest.version} ({saved}), which changed "
                   f"{', '.join(theirs_changed) or 'nothing you see'}; your edit started from version "
                   f"{base.version} and changed other parts.",
    }
    return _from_parts(replace(mine, version=latest.version + 1), merged), note


def _same_content(article: Article, stored: Article) -> bool:
    return _parts(article) == _parts(stored)


# Views


def user_view(user: User) -> Dict[str, str]:
    return {"id": user.id, "name": user.name, "role": user.role}


def _name(users: Dict[str, User], user_id: str) -> str:
    """Display name of a user id; ids of the seed or the command line stay as they are."""
    user = users.get(user_id)
    return user.name if user else user_id


def _time(at: Optional[datetime]) -> Optional[str]:
    # The store's times are UTC without a zone.
    return None if at is None else at.isoformat() + "Z"


def version_view(version: ArticleVersion, users: Dict[str, User]) -> Dict[str, Any]:
    return {
        "id": version.article_id,
        "version": version.version,
        "status": version.status,
        "author": version.author,
        "author_name": _name(users, version.author),
        "created_at": _time(version.created_at),
        "comment": version.comment,
        "article": article_to_dict(version.article),
        "yaml": article_to_yaml(version.article),
    }


def tests_view(tests: AnswerTestsVersion, users: Dict[str, User]) -> Dict[str, Any]:
    return {
        "article_id": tests.article_id,
        "version": tests.version,
        "questions": list(tests.questions),
        "author": tests.author,
        "author_name": _name(users, tests.author) if tests.author else None,
        "created_at": _time(tests.created_at),
    }


async def _article_view(request: Request, article_id: str) -> Dict[str, Any]:
    store, users = request.app.ctx.store, request.app.ctx.users

    def read():
        return store.history(article_id), store.get_answer_tests(article_id)

    versions, tests = await _in_thread(read)
    published = next((version for version in versions if version.status == PUBLISHED), None)
    return {
        "id": article_id,
        "latest": version_view(versions[0], users),
        "published": version_view(published, users) if published else None,
        "pending": versions[0].status == DRAFT,
        "answer_tests": tests_view(tests, users),
    }


def _outcome_view(outcome: Outcome) -> Dict[str, Any]:
    return {
        "article_id": outcome.article_id,
        "question": outcome.question,
        "expected": outcome.article_id,
        "got": outcome.got,
        "score": round(outcome.score, 3),
        "day": outcome.day.isoformat(),
        "description": outcome.describe(),
    }


def gate_view(gate: Optional[GateReport], tested: Optional[List[Tuple[str, int]]]) -> Optional[Dict[str, Any]]:
    """The answer-test gate's verdict: what blocks publishing (problems, failing
    tests). `tested` are the (article id, version) tried as live, None when not known."""
    if gate is None:
        return None
    report = gate.report
    return {
        "refused": gate.refused,
        "drafts": None if tested is None else [{"id": article_id, "version": version} for article_id, version in tested],
        "problems": list(gate.problems),
        "failures": [_outcome_view(outcome) for outcome in gate.blocking],
        "total": len(report.outcomes) if report else 0,
        "passed": len(report.outcomes) - len(report.failures) if report else 0,
        "lines": gate.lines(),
    }


def publication_view(publication) -> Dict[str, Any]:
    return {
        "revision": publication.revision,
        "published_at": _time(publication.at),
        "articles": [{"id": article_id, "version": version} for article_id, version in publication.articles],
    }


def main() -> None:
    configure_logging()
    settings = EditorSettings.from_environment()
    app = create_app(settings)
    app.run(host=settings.host, port=settings.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
