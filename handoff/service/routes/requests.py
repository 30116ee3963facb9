"""Reading and checking what a request asks for, the same way for every route."""
from typing import Any, Dict, Optional

from sanic.request import Request

from foundation.staff.auth import User
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


def acting_agent(user: User) -> Optional[str]:
    """Whom the queue checks a change against (HandoffQueue's by_agent): an agent acts
    only on their own conversations, a supervisor (None) on any."""
    return None if user.is_supervisor else user.id


def no_longer_yours(what_happened: str) -> ApiError:
    """The queue refused an agent's change: the conversation left them between the
    route's check and the change."""
    return ApiError(
        409, "no_longer_yours",
        "This conversation is no longer assigned to you: your lease ran out or it was "
        f"passed on a moment ago. {what_happened}",
    )


def unknown_conversation(conversation_id: str) -> ApiError:
    return ApiError(
        404, "unknown_conversation",
        f"No conversation {conversation_id!r} with the agents: never handed off, or closed.",
    )
