"""Callbacks to app back-ends that failed after the last attempt (delivery/): a
supervisor sees them and sends them again, one or all, once the back-end is fixed."""
import re

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import ApiError, authenticated

deliveries = Blueprint("deliveries")

# A Redis stream entry id, as the dead-letter list names each entry.
_DEAD_LETTER_ID = re.compile(r"\d{1,20}-\d{1,20}")
# At most this many are listed or replayed per request; the count says how many there are.
MAX_LISTED = 200


@deliveries.get("/api/deliveries/dead")
@authenticated(role="supervisor")
async def dead_letters(request: Request) -> HTTPResponse:
    outbox = request.app.ctx.messenger.outbox
    return response.json({
        "count": await outbox.dead_count(),
        "dead_letters": await outbox.dead_letters(MAX_LISTED),
    })


@deliveries.post("/api/deliveries/dead/<dead_id>/replay")
@authenticated(role="supervisor")
async def replay_one(request: Request, dead_id: str) -> HTTPResponse:
    delivery_id = None
    if _DEAD_LETTER_ID.fullmatch(dead_id):
        delivery_id = await request.app.ctx.messenger.outbox.replay(dead_id)
    if delivery_id is None:
        raise ApiError(404, "unknown_dead_letter", f"No dead letter {dead_id!r}; it may have "
                       "been replayed already.")
    return response.json({"replayed": [delivery_id]})


@deliveries.post("/api/deliveries/dead/replay")
@authenticated(role="supervisor")
async def replay_all(request: Request) -> HTTPResponse:
    outbox = request.app.ctx.messenger.outbox
    replayed = [await outbox.replay(dead["id"]) for dead in await outbox.dead_letters(MAX_LISTED)]
    return response.json({"replayed": [delivery_id for delivery_id in replayed if delivery_id]})
