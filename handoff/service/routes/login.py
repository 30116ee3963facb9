"""Logging in: a signed token for the console; an agent comes online with it."""
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import check_login, json_body
from handoff.queue_records import Presence
from handoff.service.routes.agents import set_presence
from handoff.service.routes.requests import text_field

login = Blueprint("login")


@login.post("/api/login")
async def log_in(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    body = json_body(request)
    user = await check_login(request, text_field(body, "user", 200), body.get("password"))
    if user.role == "agent":
        await set_presence(ctx, user, Presence.ONLINE)
    token, claims = ctx.signer.issue(user)
    return response.json({"token": token, "expires_at": claims.expires_at, "user": user.public()})
