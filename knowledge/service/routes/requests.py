"""Reading and checking what a request asks for: the article an editor submits (JSON or
YAML), query arguments and body fields. A bad field is a 400 naming it, before
anything is read from or written to the store."""
from typing import Any, Dict, List, Optional, Tuple

import yaml
from sanic.request import Request

from foundation.language import ENGLISH, SIMPLIFIED, TRADITIONAL
from foundation.staff.web import ApiError, json_body
from knowledge.article import DRAFT, PUBLISHED, Article, parse_article, read_typed_article

# Four answers of the store's longest (20,000 characters, three bytes each in UTF-8,
# more when JSON escapes them) fit; an over-long answer below this size reaches the
# article rules and gets their precise message instead of a bare 413.
MAX_BODY_BYTES = 1024 * 1024
# Four answers of the longest fit in YAML text too. Longer text is refused unread: the
# YAML is read on the event loop, by PyYAML in pure Python.
MAX_YAML_BYTES = 256 * 1024
# Each article named is read before the gate runs; the page names one at a time.
MAX_PUBLISHED_AT_ONCE = 200
MAX_COMMENT_CHARS = 500
MAX_QUERY_CHARS = 200
MAX_USER_CHARS = 200
LIST_STATUSES = (DRAFT, PUBLISHED)
PREVIEW_CHANNELS = ("web", "ivr")
PREVIEW_LANGUAGES = (SIMPLIFIED, TRADITIONAL, ENGLISH)
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})


def submitted_article(request: Request, creating: bool) -> Tuple[Article, int, str]:
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


def parse_yaml(body: bytes) -> Any:
    """The data of an article's YAML text; ApiError naming the line when invalid,
    413 when longer than any article."""
    if len(body) > MAX_YAML_BYTES:
        raise ApiError(
            413, "too_large", f"The YAML text is larger than {MAX_YAML_BYTES // 1024} KB; nothing was saved."
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_yaml", "The YAML text is not UTF-8.")
    try:
        return read_typed_article(text)
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


def login_user_id(body: Dict[str, Any]) -> str:
    user_id = body.get("user")
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_USER_CHARS:
        raise ApiError(400, "invalid_field", "user is required.", field="user")
    return user_id.strip()


def list_filters(request: Request) -> Tuple[Optional[str], Optional[str]]:
    """The status and the search text an article list is limited to (None: any)."""
    status = request.args.get("status") or None
    if status is not None and status not in LIST_STATUSES:
        raise ApiError(
            400, "invalid_field", f"status must be one of {', '.join(LIST_STATUSES)}.", field="status"
        )
    query = (request.args.get("query") or "").strip()
    if len(query) > MAX_QUERY_CHARS:
        raise ApiError(400, "invalid_field", f"query is longer than {MAX_QUERY_CHARS} characters.", field="query")
    return status, query or None


def preview_choice(request: Request) -> Tuple[str, str]:
    """The channel and language an answer is previewed in."""
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
    return channel, language


def test_questions(body: Dict[str, Any]) -> List[str]:
    questions = body.get("questions")
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise ApiError(
            400, "invalid_field", "questions must be a list of the test questions, as text.", field="questions"
        )
    return questions


def tests_base_version(body: Dict[str, Any]) -> int:
    base_version = body.get("base_version")
    if isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 0:
        raise ApiError(
            400, "invalid_field",
            "base_version must be the version of the tests the edit started from (0 when there were none).",
            field="base_version",
        )
    return base_version


def rollback_version(body: Dict[str, Any]) -> int:
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ApiError(400, "invalid_field", "version must be the version to make live again.", field="version")
    return version


def reviewed_versions(body: Dict[str, Any]) -> Dict[str, int]:
    """What a reviewer publishes: {article id: the version they reviewed}."""
    versions = body.get("articles")
    if (
        not isinstance(versions, dict)
        or not 0 < len(versions) <= MAX_PUBLISHED_AT_ONCE
        or not all(
            article_id and isinstance(version, int) and not isinstance(version, bool) and version >= 1
            for article_id, version in versions.items()
        )
    ):
        raise ApiError(
            400, "invalid_field",
            f"articles must map each article to publish (at most {MAX_PUBLISHED_AT_ONCE}) to the version you "
            f"reviewed, as in {{\"shipping-fee\": 3}}.",
            field="articles",
        )
    return versions


def article_ids(body: Dict[str, Any]) -> Optional[List[str]]:
    """The articles an answer-test run is limited to; None for every draft."""
    ids = body.get("articles")
    if ids is None:
        return None
    if not isinstance(ids, list) or not all(isinstance(item, str) and item for item in ids):
        raise ApiError(400, "invalid_field", "articles must be a list of article ids.", field="articles")
    return ids


def int_arg(request: Request, name: str, default: Optional[int], minimum: int, maximum: int = 10 ** 9):
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
