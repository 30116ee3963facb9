"""The gap list: questions the bot could not answer, grouped, most recent first."""
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import authenticated
from knowledge.service.routes.requests import int_arg
from knowledge.service.routes.views import gap_view
from knowledge.service.threads import in_thread

gaps = Blueprint("gaps")


@gaps.get("/api/gaps")
@authenticated()
async def list_gaps(request: Request) -> HTTPResponse:
    limit = int_arg(request, "limit", 50, 1, 500)
    found = await in_thread(request.app.ctx.store.gaps, limit)
    return response.json({"gaps": [gap_view(gap) for gap in found]})
