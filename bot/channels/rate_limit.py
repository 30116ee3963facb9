"""How many messages one conversation may send a minute, on every channel.

A script that floods one conversation would keep the assistant (and, handed off, the
agents' queue) busy for everyone. Counted per clock minute in Redis when the channel
has a `redis_url`, so every Rasa server shares the count; in this process when it has
none, or while Redis does not answer.
"""
import logging
import math
import time
from typing import Callable, Dict, Optional

import redis.asyncio as redis

from foundation.redis_client import connect

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
DEFAULT_MESSAGES_PER_MINUTE = 20
KEY_PREFIX = "rasa:messages-per-minute:"
# The count is checked before every message; a Redis that hangs must not hang the chat.
REDIS_TIMEOUT_SECONDS = 0.5


class MessageRateLimit:
    def __init__(
        self,
        per_minute: int = DEFAULT_MESSAGES_PER_MINUTE,
        redis_url: Optional[str] = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(per_minute, int) or per_minute < 1:
            raise ValueError(f"messages_per_minute must be a whole number above 0, not {per_minute!r}.")
        self.per_minute = per_minute
        self.redis_url = redis_url
        self.clock = clock
        self._redis: Optional[redis.Redis] = None
        self._window = -1
        self._counts: Dict[str, int] = {}

    async def retry_after(self, conversation_id: str) -> Optional[int]:
        """Counts one message of `conversation_id`; None when it may be processed, else
        the seconds until the next minute, when it may send again."""
        now = self.clock()
        window = int(now // WINDOW_SECONDS)
        count = await self._count(f"{KEY_PREFIX}{window}:{conversation_id}", window)
        if count <= self.per_minute:
            return None
        return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))

    async def _count(self, key: str, window: int) -> int:
        if self.redis_url:
            try:
                return await self._count_in_redis(key)
            except (redis.RedisError, OSError) as error:
                logger.warning("Counting messages in Redis failed (%s); counting in this "
                               "process until it answers.", error)
        if window != self._window:
            self._window, self._counts = window, {}
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    async def _count_in_redis(self, key: str) -> int:
        if self._redis is None:
            # Made on first use, inside the server's event loop.
            self._redis = connect(self.redis_url, decode_responses=False,
                                  timeout=REDIS_TIMEOUT_SECONDS)
        async with self._redis.pipeline(transaction=True) as pipe:
            count, _ = await pipe.incr(key).expire(key, 2 * WINDOW_SECONDS).execute()
        return int(count)
