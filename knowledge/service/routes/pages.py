"""The open routes: health, the editor page with its files (knowledge/editor/), and
logging in. /openapi.json and /staff/<asset> come from foundation/staff/web.py."""
from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import PageFolder, check_login, json_body
from knowledge.service.routes.requests import login_user_id
from knowledge.service.routes.views import user_view
from knowledge.service.threads import in_thread

EDITOR_PAGE = PageFolder(Path(__file__).resolve().parents[2] / "editor")

pages = Blueprint("pages")


@pages.get("/health")
async def health(request: Request) -> HTTPResponse:
    revision = await in_thread(request.app.ctx.store.revision)
    return response.json({"status": "ok", "revision": revision})


@pages.get("/editor")
async def editor_page(_request: Request) -> HTTPResponse:
    return await EDITOR_PAGE.page("editor.html")


@pages.get("/editor/<asset>")
async def editor_asset(_request: Request, asset: str) -> HTTPResponse:
    return await EDITOR_PAGE.asset(asset)


@pages.post("/api/login")
async def login(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    body = json_body(request)
    user = await check_login(request, login_user_id(body), body.get("password"))
    token, claims = ctx.signer.issue(user)
    return response.json({"token": token, "expires_at": claims.expires_at, "user": user_view(user)})
