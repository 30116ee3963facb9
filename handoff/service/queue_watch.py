"""The queue's clock, and telling consoles and customers what the queue did.

Every few seconds agents whose heartbeat stopped lose their chats to the front of the
queue (their customers are told), SLA breaches are raised, waiting customers hear their
new place in line, and in push mode waiting conversations are assigned to agents with
room. The routes call it too, when they change the queue. Waiting customers whose web
chat has been gone for the grace period leave the queue (abandoning.py).

While Redis is down no console can renew its lease, so silence then is no sign of a
gone agent: after an outage, leases run out again only once a whole lease has passed,
time for every open console to send a heartbeat.
"""
import asyncio
import logging
import time
from dataclasses import asdict
from typing import Any, Callable, Dict, Iterable, List, Optional

from redis.exceptions import RedisError

from foundation.language import SIMPLIFIED
from foundation.staff.auth import User
from handoff.alerts import OverdueAlerts
from handoff.position_notices import PositionNotices
from handoff.queue import HandoffQueue
from handoff.queue_records import Overdue, Requeued, Ticket
from handoff.service.console_hub import ConsoleHub
from handoff.service.customer_messages import CustomerMessenger
from handoff.service.rasa_client import RasaUnavailable
from handoff.waiting_words import back_in_front_text, queue_position_text

logger = logging.getLogger(__name__)

TICK_SECONDS = 2.0


class QueueWatch:
    def __init__(
        self,
        queue: HandoffQueue,
        hub: ConsoleHub,
        messenger: CustomerMessenger,
        alerts: OverdueAlerts,
        notices: PositionNotices,
        push_assignment: bool,
        position_update_seconds: float,
    ) -> None:
        self.queue = queue
        self.hub = hub
        self.messenger = messenger
        self.alerts = alerts
        self.notices = notices
        self.push_assignment = push_assignment
        self.position_update_seconds = position_update_seconds
        # The display name of an agent id (the users file's `name`; the id when it has
        # none); set by the app.
        self.agent_name: Callable[[str], Optional[str]] = lambda agent_id: None
        self._redis_failed = False
        self._leases_run_from = 0.0  # time.time() from which leases may run out
        # abandoning.Abandonment, which needs this watch, so set once both exist.
        self.abandonment = None

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except RedisError as error:
                self._redis_failed = True
                logger.error("Queue watch: Redis failed (%s); trying again.", error)
            except Exception:  # the clock must keep going
                logger.exception("Queue watch failed; trying again.")
            await asyncio.sleep(TICK_SECONDS)

    async def tick(self) -> None:
        await self.requeued(await self._expire_leases())
        if self.abandonment:
            await self.abandonment.leave_gone(time.time())
        for breach in await self.queue.overdue():
            await self._raise(breach)
        await self.assign_waiting(self.queue.settings.skills)
        if await self.notices.take_turn(self.position_update_seconds):
            await self.tell_positions()

    async def _expire_leases(self) -> List[Requeued]:
        now = time.time()
        if self._redis_failed:
            # Every console gets a lease's time to renew it; a tick failing again
            # meanwhile starts the wait anew.
            self._redis_failed = False
            self._leases_run_from = now + self.queue.settings.lease_seconds
        if now < self._leases_run_from:
            return []
        return await self.queue.expire_leases(now)

    async def on_notification(self, notification: Dict[str, Any]) -> None:
        if notification.get("type") == "enqueued":
            await self.assign_waiting([notification.get("skill")])

    async def agent_has_room(self, user: User) -> None:
        """Call when an agent may take more: online again, a chat closed or passed on."""
        await self.assign_waiting(user.skills)

    async def assign_waiting(self, skills: Iterable[str]) -> None:
        """Push mode: gives the skills' waiting conversations to the least busy agents
        with room. In pull mode agents claim them instead, and this does nothing."""
        if not self.push_assignment:
            return
        for skill in skills:
            if skill not in self.queue.settings.skills:
                continue
            while True:
                ticket = await self.queue.assign_next(skill)
                if ticket is None:
                    break
                await self.assigned(ticket)

    async def assigned(self, ticket: Ticket) -> None:
        """Tells the consoles that `ticket` went to its agent, and the customer who."""
        await self.alerts.clear(ticket.conversation_id)
        await self.hub.publish(
            {
                "type": "assigned",
                "conversation_id": ticket.conversation_id,
                "agent_id": ticket.agent_id,
                "skill": ticket.skill,
                "reason": ticket.reason,
                "priority": ticket.priority,
                "summary": ticket.context.get("summary", ""),
            },
            agents=[ticket.agent_id],
            supervisors=True,
        )
        await self.queue_changed("assigned", ticket.conversation_id, ticket.skill)
        await self.announce_agent(ticket)

    async def announce_agent(self, ticket: Ticket) -> None:
        """Tells the customer of `ticket` who has just taken their conversation."""
        name = self.agent_name(ticket.agent_id or "") or ticket.agent_id
        await self.messenger.agent_joined(ticket.conversation_id, name, ticket.language or SIMPLIFIED)

    async def queue_changed(self, event: str, conversation_id: str, skill: str) -> None:
        await self.hub.publish(
            {"type": "queue", "event": event, "conversation_id": conversation_id, "skill": skill},
            everyone=True,
        )

    async def requeued(self, chats: List[Requeued]) -> None:
        """Chats an agent lost: their customers are told, every console is told."""
        for chat in chats:
            ticket = await self.queue.ticket(chat.conversation_id)
            language = (ticket.language if ticket else "") or SIMPLIFIED
            if await self._tell_customer(chat.conversation_id, back_in_front_text(language), "requeued"):
                await self.notices.remember(chat.conversation_id, chat.position)
            await self.hub.publish({"type": "requeued", **asdict(chat)}, everyone=True)
        await self.assign_waiting({chat.skill for chat in chats})

    async def tell_positions(self) -> None:
        """Tells each waiting customer whose place in line changed since last told.
        A place first seen is only noted: the action told it at enqueueing."""
        told = await self.notices.told()
        waiting = {}
        for skill in self.queue.settings.skills:
            for position, conversation_id in enumerate(await self.queue.waiting_in_line(skill), start=1):
                waiting[conversation_id] = position
        await self.notices.forget(set(told) - set(waiting))
        for conversation_id, position in waiting.items():
            if conversation_id in told and told[conversation_id] != position:
                ticket = await self.queue.ticket(conversation_id)
                if ticket is None:  # closed meanwhile
                    continue
                language = ticket.language or SIMPLIFIED
                wait = await self.queue.estimated_wait_seconds(conversation_id)
                text = queue_position_text(position, wait, language)
                if not await self._tell_customer(conversation_id, text, "position"):
                    continue  # told next round
            await self.notices.remember(conversation_id, position)

    async def _raise(self, breach: Overdue) -> None:
        alert = {"type": "overdue", **asdict(breach), "breach": breach.breach.value, "raised_at": time.time()}
        await self.alerts.add(alert)
        await self.hub.publish(alert, agents=[breach.agent_id], supervisors=True)

    async def _tell_customer(self, conversation_id: str, text: str, kind: str) -> bool:
        try:
            await self.messenger.send(conversation_id, text, {"handoff": kind})
        except RasaUnavailable as error:
            logger.error("Could not tell conversation %s (%s): %s", conversation_id, kind, error)
            return False
        return True
