"""Rasa event broker that appends every conversation event to a Redis stream.

The handoff service reads the stream to relay, live, what a customer writes while
their conversation is with a human agent (the bot is paused then, so nothing else sees
the message). A stream, unlike pub/sub, keeps the events while a reader restarts, and
the Redis it lives in is the one already there (append-only persistence). Being kept,
it holds events masked like a log (bot/event_masking.py).

Rasa publishes each event of a turn on its own, from its event loop. A blocking XADD per
event held the loop for a Redis round trip each time (a fifth of the server's busy time
under load), so events are queued in order and appended in one pipelined round trip
by a task of the loop, without blocking it. Events may be published from another
thread too (bot/tracker_store.py saves in one).

Configured in endpoints.yml:

    event_broker:
      type: bot.event_broker.RedisStreamEventBroker
      url: ${REDIS_URL}
      stream: rasa:events     # optional
      max_length: 100000      # optional; older entries are trimmed
"""
import asyncio
import json
import logging
from asyncio import AbstractEventLoop
from collections import deque
from typing import Any, Deque, Dict, Optional, Text

import redis
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.event_masking import masked_event
from foundation.redis_client import connect

logger = logging.getLogger(__name__)

DEFAULT_STREAM = "rasa:events"
DEFAULT_MAX_LENGTH = 100_000
# Rasa publishes from its event loop; a Redis that hangs must not hang the bot.
TIMEOUT_SECONDS = 1.0


class RedisStreamEventBroker(EventBroker):
    def __init__(self, url: Text, stream: Text = DEFAULT_STREAM,
                 max_length: int = DEFAULT_MAX_LENGTH,
                 loop: Optional[AbstractEventLoop] = None) -> None:
        """`loop` runs the appending; by default the loop of the first publish."""
        self.stream = stream
        self.max_length = max_length
        # Reconnects by itself after Redis restarts (foundation/redis_client.py).
        self._client = connect(url, decode_responses=False, timeout=TIMEOUT_SECONDS)
        self._loop = loop
        # Appended from any thread; emptied, oldest first, by the loop's appending task.
        self._pending: Deque[Dict[str, str]] = deque()
        self._appending: Optional[asyncio.Task] = None

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[AbstractEventLoop] = None
    ) -> "RedisStreamEventBroker":
        return cls(
            broker_config.url,
            stream=broker_config.kwargs.get("stream") or DEFAULT_STREAM,
            max_length=int(broker_config.kwargs.get("max_length") or DEFAULT_MAX_LENGTH),
            loop=asyncio.get_running_loop(),
        )

    def publish(self, event: Dict[Text, Any]) -> None:
        """Queues the event; the loop's appending task writes it, after those before it."""
        self._pending.append({
            "sender_id": event.get("sender_id") or "",
            "event": json.dumps(masked_event(event), ensure_ascii=False),
        })
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        self._loop.call_soon_threadsafe(self._start_appending)

    def _start_appending(self) -> None:
        if self._appending is None or self._appending.done():
            self._appending = self._loop.create_task(self._append_pending())

    async def _append_pending(self) -> None:
        while self._pending:
            batch = [self._pending.popleft() for _ in range(len(self._pending))]
            try:
                async with self._client.pipeline(transaction=False) as pipeline:
                    for entry in batch:
                        pipeline.xadd(self.stream, entry, maxlen=self.max_length,
                                      approximate=True)
                    await pipeline.execute()
            except (redis.RedisError, OSError) as error:
                # The conversation itself is safe in the tracker store; only the live
                # relay to an agent misses these events.
                logger.error(
                    "Could not append %d events to Redis stream %s (%s); an agent "
                    "handling these conversations will not see them live. Check REDIS_URL.",
                    len(batch), self.stream, error,
                )

    async def flush(self) -> None:
        """Waits until every event published so far is appended (or given up)."""
        await asyncio.sleep(0)  # lets a publish's scheduled start run first
        while self._appending is not None and not self._appending.done():
            await self._appending

    async def close(self) -> None:
        await self.flush()
        await self._client.close()
