"""A ticket as the queue's Lua scripts keep it: flat Redis hash fields and back.

Split from handoff/queue.py, which runs the scripts; this only converts.
"""
import json
from typing import Any, Dict, List, Optional

from handoff.queue_records import Requeued, Ticket


def ticket_fields(ticket: Ticket) -> List[Any]:
    return [
        "skill", ticket.skill,
        "priority", int(ticket.priority),
        "reason", ticket.reason,
        "channel", ticket.channel,
        "language", ticket.language,
        "context", json.dumps(ticket.context, ensure_ascii=False),
    ]


def stored_fields(ticket: Ticket) -> List[Any]:
    """Every field the queue keeps of a ticket, as close() read it."""
    kept = {
        "conversation_id": ticket.conversation_id,
        "enqueued_at": ticket.enqueued_at,
        "state": ticket.state,
        "agent_id": ticket.agent_id,
        "escalated_at": ticket.escalated_at,
        "waiting_since": ticket.waiting_since,
        "assigned_at": ticket.assigned_at,
        "last_agent_reply_at": ticket.last_agent_reply_at,
    }
    present = [item for name, value in kept.items() if value is not None for item in (name, value)]
    return present + ticket_fields(ticket)


def ticket_from_reply(flat_fields: List[str]) -> Ticket:
    """From a script's HGETALL reply, which is a flat field, value, ... list."""
    return ticket_from_mapping(dict(zip(flat_fields[::2], flat_fields[1::2])))


def ticket_from_mapping(fields: Dict[str, str]) -> Ticket:
    return Ticket(
        conversation_id=fields["conversation_id"],
        skill=fields["skill"],
        priority=int(fields["priority"]),
        reason=fields.get("reason", ""),
        channel=fields.get("channel", ""),
        language=fields.get("language", ""),
        context=json.loads(fields.get("context") or "{}"),
        enqueued_at=_seconds(fields.get("enqueued_at")),
        state=fields.get("state"),
        agent_id=fields.get("agent_id"),
        escalated_at=_seconds(fields.get("escalated_at")),
        waiting_since=_seconds(fields.get("waiting_since")),
        assigned_at=_seconds(fields.get("assigned_at")),
        last_agent_reply_at=_seconds(fields.get("last_agent_reply_at")),
    )


def _seconds(value: Optional[str]) -> Optional[float]:
    return None if value is None else float(value)


def requeued_from_rows(rows: List[List[Any]]) -> List[Requeued]:
    return [Requeued(*row) for row in rows]
