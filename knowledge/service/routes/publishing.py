"""Publishing the versions a reviewer reviewed (reviewers only, never their own
edits, through the answer-test gate; running processes are told over Redis), and the
audit log of every change."""
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import authenticated, json_body
from knowledge.publishing import publish
from knowledge.service.roles import FOUR_EYES, REVIEWER
from knowledge.service.routes.requests import int_arg, reviewed_versions
from knowledge.service.routes.views import audit_entry_view, gate_view, publication_view
from knowledge.service.threads import in_thread

publishing = Blueprint("publishing")


@publishing.post("/api/publish")
@authenticated(role=REVIEWER, reason=FOUR_EYES)
async def publish_reviewed(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    versions = reviewed_versions(json_body(request))
    result = await in_thread(publish, ctx.store, versions, request.ctx.user.id, ctx.notices)
    return response.json({
        **publication_view(result.publication),
        "report": gate_view(result.gate, list(result.publication.articles)),
    })


@publishing.get("/api/audit")
@authenticated()
async def audit(request: Request) -> HTTPResponse:
    limit = int_arg(request, "limit", 100, 1, 1000)
    entries = await in_thread(request.app.ctx.store.audit, limit, request.args.get("article") or None)
    users = request.app.ctx.users
    return response.json({"entries": [audit_entry_view(entry, users) for entry in entries]})
