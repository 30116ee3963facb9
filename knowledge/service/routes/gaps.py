"""The gap list: open groups of questions the bot could not answer, most recent first,
and the groups an article now answers; an article drafted from a group, linked to it
so publishing the article handles the group (knowledge/gaps.py)."""
import re
from dataclasses import replace

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import ApiError, authenticated
from knowledge.gaps import GapAlreadyDrafted, GapGroup, UnknownGap
from knowledge.service.routes.requests import int_arg, submitted_article
from knowledge.service.routes.views import article_view, gap_view
from knowledge.service.threads import in_thread

gaps = Blueprint("gaps")


@gaps.get("/api/gaps")
@authenticated()
async def list_gaps(request: Request) -> HTTPResponse:
    store = request.app.ctx.store
    limit = int_arg(request, "limit", 50, 1, 500)
    open_groups = await in_thread(store.gaps, limit)
    handled = await in_thread(store.handled_gaps, limit)
    return response.json({"gaps": [gap_view(gap) for gap in open_groups],
                          "handled": [gap_view(gap) for gap in handled]})


@gaps.get("/api/gaps/<group_id>/draft")
@authenticated()
async def draft_of_gap(request: Request, group_id: str) -> HTTPResponse:
    """The article the editor starts from: the group's questions, a title from the first."""
    group = await _open_group(request, group_id)
    return response.json({"group_id": group.group_id, "article_id": group.article_id,
                          "article": group.draft_fields()})


@gaps.post("/api/gaps/<group_id>/draft")
@authenticated()
async def create_draft_from_gap(request: Request, group_id: str) -> HTTPResponse:
    """Saves the editor's article as a new draft (as POST /api/articles) and links the
    group to it; publishing it marks the group handled."""
    store = request.app.ctx.store
    group = await _open_group(request, group_id)
    if group.article_id:
        raise _already_drafted(group.group_id, group.article_id)
    article, _, comment = submitted_article(request, creating=True)
    saved = await in_thread(store.save_draft, replace(article, version=1), request.ctx.user.id, None,
                            comment or f"from gap group {group.group_id}")
    try:
        await in_thread(store.link_gap_group, group, saved.article_id)
    except GapAlreadyDrafted as error:
        raise ApiError(409, "gap_drafted", f"{error} Your draft '{saved.article_id}' was saved but not linked.")

    def read():
        return store.history(saved.article_id), store.get_answer_tests(saved.article_id)

    versions, tests = await in_thread(read)
    view = article_view(saved.article_id, versions, tests, request.app.ctx.users)
    return response.json({**view, "gap_group": group.group_id}, status=201)


async def _open_group(request: Request, group_id: str) -> GapGroup:
    if not re.fullmatch(r"[0-9]{1,12}", group_id):
        raise ApiError(400, "invalid_field", f"A gap group id is a whole number, not {group_id[:40]!r}.",
                       field="group_id")
    try:
        return await in_thread(request.app.ctx.store.gap_group, int(group_id))
    except UnknownGap as error:
        raise ApiError(404, "unknown_gap", str(error))


def _already_drafted(group_id: int, article_id: str) -> ApiError:
    return ApiError(409, "gap_drafted", f"Gap group {group_id} is already drafted as article '{article_id}'; "
                                        "open that article to go on.", article_id=article_id)
