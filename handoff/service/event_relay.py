"""Customers' messages to their agents' consoles.

Follows the Redis stream Rasa's event broker writes (bot/event_broker.py) and hands
each customer message of a handed-off conversation to the consoles of its agent and of
the supervisors. Every instance reads the whole stream and delivers to its own
sockets, so a message reaches each console once.

A waiting customer who says they no longer want a person ("不用了", "取消") leaves the
queue at once (abandoning.py); said to an agent who has them, it is only relayed.
"""
import asyncio
import json
import logging
from typing import Dict, Optional

import redis.asyncio as redis
from redis.exceptions import RedisError

from foundation.privacy import mask_text
from handoff.queue import HandoffQueue
from handoff.service.abandoning import Abandonment
from handoff.service.console_hub import ConsoleHub, envelope
from handoff.waiting_words import says_leave_queue

logger = logging.getLogger(__name__)

DEFAULT_EVENTS_STREAM = "rasa:events"


class EventRelay:
    def __init__(self, client: redis.Redis, queue: HandoffQueue, hub: ConsoleHub, stream: str,
                 abandonment: Optional[Abandonment] = None) -> None:
        self.redis = client
        self.queue = queue
        self.hub = hub
        self.stream = stream
        self.abandonment = abandonment

    async def run(self) -> None:
        """Follows the stream from its end at start-up; keeps its own position, so a
        Redis outage loses no entry that is still in the stream."""
        last_id = None
        while True:
            try:
                if last_id is None:
                    newest = await self.redis.xrevrange(self.stream, count=1)
                    last_id = newest[0][0] if newest else "0-0"
                replies = await self.redis.xread({self.stream: last_id}, count=100, block=1000)
                for _, entries in replies:
                    for entry_id, fields in entries:
                        last_id = entry_id
                        await self._forward(fields)
            except RedisError as error:
                logger.error("Reading stream %s failed (%s); retrying in 1 s.", self.stream, error)
                await asyncio.sleep(1)
            except Exception:  # skip the entry rather than stop relaying
                logger.exception("Relaying entry %s of stream %s failed.", last_id, self.stream)

    async def _forward(self, fields: Dict[str, str]) -> None:
        try:
            event = json.loads(fields.get("event") or "{}")
        except ValueError:
            logger.warning("Ignored a malformed entry of stream %s.", self.stream)
            return
        if event.get("event") != "user":
            return
        ticket = await self.queue.ticket(fields.get("sender_id") or "")
        if ticket is None:
            return
        text = event.get("text") or ""
        # The context package's rule: phone numbers stay masked until the customer
        # has verified theirs, since an unverified number may be anyone's.
        if not (ticket.context.get("customer") or {}).get("verified"):
            text = mask_text(text)
        message = {
            "type": "message",
            "conversation_id": ticket.conversation_id,
            "sender": "customer",
            "text": text,
            "time": event.get("timestamp"),
        }
        await self.hub.deliver(envelope(message, agents=[ticket.agent_id], supervisors=True))
        # Every instance reads every entry; the queue's abandon step lets one of them
        # act, the others find the customer no longer waiting.
        if self.abandonment and ticket.state == "waiting" and says_leave_queue(event.get("text")):
            await self.abandonment.leave(ticket.conversation_id, "said so")
