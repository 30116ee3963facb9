"""An article's versions: one version, the history, the diff between two versions,
and rolling back to an old one (reviewers only: it goes live through the answer-test
gate)."""
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import authenticated, json_body
from knowledge.publishing import rollback
from knowledge.service.roles import FOUR_EYES, REVIEWER
from knowledge.service.routes.requests import int_arg, rollback_version
from knowledge.service.routes.views import gate_view, history_entry_view, publication_view, version_view
from knowledge.service.threads import in_thread

versions = Blueprint("versions")


@versions.get("/api/articles/<article_id>/versions/<version:int>")
@authenticated()
async def get_version(request: Request, article_id: str, version: int) -> HTTPResponse:
    found = await in_thread(request.app.ctx.store.get, article_id, version)
    return response.json(version_view(found, request.app.ctx.users))


@versions.get("/api/articles/<article_id>/history")
@authenticated()
async def history(request: Request, article_id: str) -> HTTPResponse:
    found = await in_thread(request.app.ctx.store.history, article_id)
    users = request.app.ctx.users
    return response.json({"article_id": article_id, "versions": [history_entry_view(one, users) for one in found]})


@versions.get("/api/articles/<article_id>/diff")
@authenticated()
async def diff(request: Request, article_id: str) -> HTTPResponse:
    store = request.app.ctx.store
    latest = await in_thread(store.get, article_id)
    to_version = int_arg(request, "to", latest.version, 1)
    from_version = int_arg(request, "from", max(1, to_version - 1), 1)
    text = await in_thread(store.diff, article_id, from_version, to_version)
    return response.json({"article_id": article_id, "from": from_version, "to": to_version, "diff": text})


@versions.post("/api/articles/<article_id>/rollback")
@authenticated(role=REVIEWER, reason=FOUR_EYES)
async def roll_back(request: Request, article_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    version = rollback_version(json_body(request))
    result = await in_thread(rollback, ctx.store, article_id, version, request.ctx.user.id, ctx.notices)
    return response.json({
        **publication_view(result.publication),
        "report": gate_view(result.gate, [(article_id, version)]),
    })
