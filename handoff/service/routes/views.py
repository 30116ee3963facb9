"""How tickets and callbacks look in the API's answers (schemas Conversation and
Callback in handoff/openapi.yaml)."""
from typing import Any, Dict

from handoff.queue import QueueSettings
from handoff.queue_records import Callback, Ticket


def ticket_view(ticket: Ticket, settings: QueueSettings, now: float) -> Dict[str, Any]:
    waited = None if ticket.waiting_since is None else now - ticket.waiting_since
    return {
        **_handoff_view(ticket),
        "state": ticket.state,
        "agent_id": ticket.agent_id,
        "enqueued_at": ticket.enqueued_at,
        "waiting_since": ticket.waiting_since,
        "assigned_at": ticket.assigned_at,
        "last_agent_reply_at": ticket.last_agent_reply_at,
        "waited_seconds": waited,
        "escalated": ticket.escalated_at is not None,
        "overdue": ticket.escalated_at is not None
        or (waited is not None and waited > settings.sla_wait_seconds),
    }


def callback_view(callback: Callback) -> Dict[str, Any]:
    return {
        "callback_id": callback.callback_id,
        **_handoff_view(callback.ticket),
        "message": callback.message,
        "left_at": callback.left_at,
        "customer": callback.ticket.context.get("customer"),
    }


def _handoff_view(ticket: Ticket) -> Dict[str, Any]:
    """What the bot knew when it handed the conversation off."""
    return {
        "conversation_id": ticket.conversation_id,
        "skill": ticket.skill,
        "priority": ticket.priority,
        "reason": ticket.reason,
        "channel": ticket.channel,
        "language": ticket.language,
        "summary": ticket.context.get("summary", ""),
    }
