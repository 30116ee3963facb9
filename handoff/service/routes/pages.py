"""The open routes: health, and the console and supervisor pages with their files
(handoff/console/). /openapi.json and /staff/<asset> come from foundation/staff/web.py."""
from pathlib import Path

from redis.exceptions import RedisError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import PageFolder, error_response

CONSOLE = PageFolder(Path(__file__).resolve().parents[2] / "console")

pages = Blueprint("pages")


@pages.get("/health")
async def health(request: Request) -> HTTPResponse:
    try:
        await request.app.ctx.redis.ping()
    except RedisError:
        return error_response(503, "redis_unavailable", "Redis is not answering.")
    return response.json({"status": "ok"})


@pages.get("/console")
async def console_page(_request: Request) -> HTTPResponse:
    return await CONSOLE.page("console.html")


@pages.get("/supervisor")
async def supervisor_page(_request: Request) -> HTTPResponse:
    return await CONSOLE.page("supervisor.html")


@pages.get("/console/<asset>")
async def console_asset(_request: Request, asset: str) -> HTTPResponse:
    return await CONSOLE.asset(asset)
