"""The console's websocket (/ws): what the service pushes arrives here (see
handoff/service/console_hub.py), and agents' heartbeats renew their lease."""
import json
import time
from typing import Any, Dict, Optional

from redis.exceptions import RedisError
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from websockets.exceptions import ConnectionClosed

from foundation.staff.auth import User
from foundation.staff.web import ApiError, authenticate, error_response

# Websocket close codes for a refused console (4000-4999 are the application's).
WS_UNAUTHORISED = 4401

console_socket = Blueprint("console_socket")


@console_socket.middleware("request")
async def refuse_plain_http(request: Request) -> Optional[HTTPResponse]:
    """A plain GET of /ws is a client mistake (426), not a server error."""
    if request.headers.get("upgrade", "").lower() != "websocket":
        return error_response(
            426, "upgrade_required", "/ws is the console's websocket: connect with a websocket client."
        )
    return None


@console_socket.websocket("/ws")
async def console_websocket(request: Request, websocket) -> None:
    ctx = request.app.ctx
    try:
        user, claims = authenticate(ctx, request.args.get("token") or "")
    except ApiError as error:
        await websocket.close(WS_UNAUTHORISED, error.message)
        return
    ctx.hub.connect(websocket, user)
    try:
        while True:
            reply = await _console_message(ctx, user, claims, await websocket.recv())
            if reply is None:
                await websocket.close(WS_UNAUTHORISED, "The token has expired; log in again.")
                return
            await websocket.send(json.dumps(reply))
    except ConnectionClosed:
        pass
    finally:
        ctx.hub.disconnect(websocket)


async def _console_message(ctx, user: User, claims, raw: Any) -> Optional[Dict[str, Any]]:
    """The reply to a console's websocket message; None when its token has expired."""
    try:
        message = json.loads(raw)
    except (TypeError, ValueError):
        return {"type": "error", "error": "invalid_json", "message": "Send JSON messages."}
    kind = message.get("type") if isinstance(message, dict) else None
    if kind != "heartbeat":
        return {"type": "error", "error": "unknown_type", "message": 'Only {"type": "heartbeat"} is understood.'}
    if claims.expires_at <= time.time():
        return None
    if user.role != "agent":
        return {"type": "heartbeat", "lease": None}
    try:
        return {"type": "heartbeat", "lease": await ctx.queue.heartbeat(user.id)}
    except RedisError:
        return {"type": "error", "error": "redis_unavailable", "message": "The queue (Redis) is not answering."}
