"""A waiting customer leaving the queue before an agent took them: they said so
("不用了", handoff/waiting_words.py), or their web chat was gone for the grace period
(HANDOFF_ABANDON_GRACE_SECONDS, default 120; foundation/chat_presence.py tells which
chats are gone, and a customer whose chat comes back in time keeps their place).

The ticket leaves the queue in one step that checks it is still waiting (a customer an
agent has is not dropped: their agent reads what they said). Then the case is archived
with the category "abandoned", so the supervisors' figures and reports can count it,
the bot takes the conversation back and tells the customer, and every console hears
that the queue changed.
"""
import asyncio
import logging
import time
from typing import Any, List

from foundation.chat_presence import ChatPresence
from foundation.language import SIMPLIFIED
from handoff.cases import ABANDONED, CaseArchive, ClosedCase
from handoff.context import build_context
from handoff.queue import HandoffQueue
from handoff.routing import Route
from handoff.service.customer_messages import CustomerMessenger
from handoff.service.rasa_client import RasaClient
from handoff.waiting_words import left_queue_text

logger = logging.getLogger(__name__)


class Abandonment:
    def __init__(self, queue: HandoffQueue, rasa: RasaClient, messenger: CustomerMessenger,
                 archive: CaseArchive, watch: Any, presence: ChatPresence,
                 grace_seconds: float) -> None:
        self.queue = queue
        self.rasa = rasa
        self.messenger = messenger
        self.archive = archive
        self.watch = watch  # QueueWatch: tells the consoles
        self.presence = presence
        self.grace_seconds = grace_seconds

    async def leave_gone(self, now: float) -> List[str]:
        """Waiting customers whose web chat has been gone for the grace period leave
        the queue; returns them. A gone customer an agent has stays watched: should
        the agent be lost, the conversation goes back to the queue and leaves from
        there. One no longer handed off is forgotten."""
        left = []
        for conversation_id in await self.presence.gone_before(now - self.grace_seconds):
            if await self.leave(conversation_id, "chat gone"):
                left.append(conversation_id)
            elif await self.queue.ticket(conversation_id) is not None:
                continue
            await self.presence.forget(conversation_id)
        return left

    async def leave(self, conversation_id: str, why: str) -> bool:
        """Takes a waiting customer out of the queue; False (nothing changed) when the
        conversation is not waiting. `why` is the case's disposition: "said so" or
        "chat gone"."""
        ticket = await self.queue.abandon(conversation_id)
        if ticket is None:
            return False
        now = time.time()
        try:
            tracker = await self.rasa.tracker(conversation_id)
            live = build_context(tracker, Route(ticket.reason, ticket.priority, ticket.skill), [], now)
            case = ClosedCase.from_context(
                {**live, **ticket.context, "transcript": live["transcript"], "skill": ticket.skill},
                category=ABANDONED, department="customer_service", disposition=why,
                closed_at=now, enqueued_at=ticket.enqueued_at,
            )
            await asyncio.get_running_loop().run_in_executor(None, self.archive.archive, case)
        except Exception:
            # The customer has left either way; a case lost is logged, not retried.
            logger.exception("Archiving the abandoned case of %s failed.", conversation_id)
        await self._back_to_the_bot(conversation_id, ticket.language)
        await self.watch.alerts.clear(conversation_id)
        await self.watch.notices.forget([conversation_id])
        await self.watch.queue_changed("abandoned", conversation_id, ticket.skill)
        return True

    async def _back_to_the_bot(self, conversation_id: str, language: str) -> None:
        # Resumed with a listen, as after an agent's close, so the bot answers the
        # customer's next message; told in the customer's language.
        await self.rasa.append_events(conversation_id, [
            {"event": "resume", "timestamp": time.time()},
            {"event": "action", "name": "action_listen", "timestamp": time.time()},
        ])
        await self.messenger.send(conversation_id, left_queue_text(language or SIMPLIFIED),
                                  {"handoff": "abandoned"})
