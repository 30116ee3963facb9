"""Articles: the list (filtered by status and text), creating one, reading one with
its live version and answer tests, and saving an edit as a new draft. An edit started
from an older version is merged with the newer one (knowledge/merging.py) when the
two changed different parts; otherwise the answer is 409 and nothing is saved."""
from dataclasses import replace
from typing import Any, Dict

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import ApiError, authenticated
from knowledge.merging import merge_edit, same_content
from knowledge.service.routes.requests import list_filters, submitted_article
from knowledge.service.routes.views import article_view, summary_view
from knowledge.service.threads import in_thread

articles = Blueprint("articles")


@articles.get("/api/articles")
@authenticated()
async def list_articles(request: Request) -> HTTPResponse:
    status, query = list_filters(request)
    summaries = await in_thread(request.app.ctx.store.list, status, query)
    users = request.app.ctx.users
    return response.json({"articles": [summary_view(summary, users) for summary in summaries]})


@articles.post("/api/articles")
@authenticated()
async def create_article(request: Request) -> HTTPResponse:
    store = request.app.ctx.store
    article, _, comment = submitted_article(request, creating=True)
    # A new article starts at version 1, whatever the text said.
    saved = await in_thread(store.save_draft, replace(article, version=1), request.ctx.user.id, None, comment)
    return response.json(await _article(request, saved.article_id), status=201)


@articles.get("/api/articles/<article_id>")
@authenticated()
async def get_article(request: Request, article_id: str) -> HTTPResponse:
    return response.json(await _article(request, article_id))


@articles.put("/api/articles/<article_id>")
@authenticated()
async def save_article(request: Request, article_id: str) -> HTTPResponse:
    store = request.app.ctx.store
    article, base_version, comment = submitted_article(request, creating=False)
    if article.id != article_id:
        raise ApiError(
            400, "invalid_field",
            f"The article's id {article.id!r} is not {article_id!r}, the one being edited; ids cannot change.",
            field="id",
        )
    latest = await in_thread(store.get, article_id)
    if base_version > latest.version:
        raise ApiError(
            400, "invalid_field",
            f"base_version {base_version} does not exist; the latest is version {latest.version}.",
            field="base_version",
        )
    merged = None
    if base_version < latest.version:
        base = await in_thread(store.get, article_id, base_version)
        article, merged = merge_edit(base, latest, article)
    unchanged = same_content(article, latest.article)
    if not unchanged:
        await in_thread(store.save_draft, article, request.ctx.user.id, latest.version, comment)
    view = await _article(request, article_id)
    return response.json({**view, "unchanged": unchanged, "merged": merged})


async def _article(request: Request, article_id: str) -> Dict[str, Any]:
    store = request.app.ctx.store

    def read():
        return store.history(article_id), store.get_answer_tests(article_id)

    versions, tests = await in_thread(read)
    return article_view(article_id, versions, tests, request.app.ctx.users)
