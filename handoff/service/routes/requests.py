"""Reading and checking what a request asks for, the same way for every route."""
from typing import Any, Dict

from sanic.request import Request

from foundation.staff.web import ApiError
from handoff.queue_records import Ticket

# The longest text an agent sends, notes or writes as a case's disposition.
MAX_TEXT_CHARS = 4000


def text_field(body: Dict[str, Any], field: str, max_chars: int) -> str:
    """A non-empty text of at most `max_chars`, stripped."""
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid_field", f"{field} must be a non-empty text.", field=field)
    if len(value) > max_chars:
        raise ApiError(
            400, "invalid_field", f"{field} is longer than {max_chars} characters.", field=field
        )
    return value.strip()


async def conversation_of_user(request: Request, conversation_id: str) -> Ticket:
    """The ticket of a handed-off conversation the user may act on: their own, or any
    for a supervisor."""
    ticket = await request.app.ctx.queue.ticket(conversation_id)
    if ticket is None:
        raise unknown_conversation(conversation_id)
    user = request.ctx.user
    if not user.is_supervisor and ticket.agent_id != user.id:
        raise ApiError(403, "not_your_conversation", "This conversation is not assigned to you.")
    return ticket


def unknown_conversation(conversation_id: str) -> ApiError:
    return ApiError(
        404, "unknown_conversation",
        f"No conversation {conversation_id!r} with the agents: never handed off, or closed.",
    )
