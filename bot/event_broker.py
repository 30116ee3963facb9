"""Rasa event broker that appends every conversation event to a Redis stream.

The handoff service reads the stream to relay, live, what a customer writes while
their conversation is with a human agent (the bot is paused then, so nothing else sees
the message). A stream, unlike pub/sub, keeps the events while a reader restarts, and
the Redis it lives in is the one already there (append-only persistence). Being kept,
it holds events masked like a log (bot/event_masking.py).

Configured in endpoints.yml:

    event_broker:
      type: bot.event_broker.RedisStreamEventBroker
      url: ${REDIS_URL}
      stream: rasa:events     # optional
      max_length: 100000      # optional; older entries are trimmed
"""
import json
import logging
from asyncio import AbstractEventLoop
from typing import Any, Dict, Optional, Text

import redis
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.event_masking import masked_event

logger = logging.getLogger(__name__)

DEFAULT_STREAM = "rasa:events"
DEFAULT_MAX_LENGTH = 100_000
# Rasa publishes from its event loop; a Redis that hangs must not hang the bot.
TIMEOUT_SECONDS = 1.0


class RedisStreamEventBroker(EventBroker):
    def __init__(self, url: Text, stream: Text = DEFAULT_STREAM,
                 max_length: int = DEFAULT_MAX_LENGTH) -> None:
        self.stream = stream
        self.max_length = max_length
        self._client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Optional[AbstractEventLoop] = None
    ) -> "RedisStreamEventBroker":
        return cls(
            broker_config.url,
            stream=broker_config.kwargs.get("stream") or DEFAULT_STREAM,
            max_length=int(broker_config.kwargs.get("max_length") or DEFAULT_MAX_LENGTH),
        )

    def publish(self, event: Dict[Text, Any]) -> None:
        entry = {
            "sender_id": event.get("sender_id") or "",
            "event": json.dumps(masked_event(event), ensure_ascii=False),
        }
        try:
            self._client.xadd(self.stream, entry, maxlen=self.max_length, approximate=True)
        except redis.RedisError as error:
            # The conversation itself is safe in the tracker store; only the live
            # relay to an agent misses this event.
            logger.error(
                "Could not append a %s event to Redis stream %s (%s); an agent handling "
                "this conversation will not see it live. Check REDIS_URL.",
                event.get("event"), self.stream, error,
            )

    def is_ready(self) -> bool:
        try:
            return bool(self._client.ping())
        except redis.RedisError:
            return False

    async def close(self) -> None:
        self._client.close()
