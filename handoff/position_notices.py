"""Which place in line each waiting customer was last told, so that a customer hears
about a change once, however many service instances run.

Redis, under the queue's key prefix (QueueSettings.key_prefix):
  told-positions  HASH    conversation id -> the place last told
  position-check  STRING  held, with an expiry, by the one instance checking this round
"""
from typing import Dict, Iterable

from handoff.queue import HandoffQueue


class PositionNotices:
    def __init__(self, queue: HandoffQueue) -> None:
        self.redis = queue.redis
        self.told_key = queue.settings.key_prefix + "told-positions"
        self.turn_key = queue.settings.key_prefix + "position-check"

    async def take_turn(self, seconds: float) -> bool:
        """True for the one instance that checks places in line in the next `seconds`."""
        return bool(await self.redis.set(self.turn_key, 1, nx=True, px=int(seconds * 1000)))

    async def told(self) -> Dict[str, int]:
        """The place last told, by conversation id."""
        told = await self.redis.hgetall(self.told_key)
        return {conversation_id: int(position) for conversation_id, position in told.items()}

    async def remember(self, conversation_id: str, position: int) -> None:
        await self.redis.hset(self.told_key, conversation_id, position)

    async def forget(self, conversation_ids: Iterable[str]) -> None:
        """For conversations no longer waiting."""
        conversation_ids = list(conversation_ids)
        if conversation_ids:
            await self.redis.hdel(self.told_key, *conversation_ids)
