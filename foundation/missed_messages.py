"""What the agent service told a web chat while it was gone (foundation/chat_presence.py),
kept for the customer's return: the chat channel (bot/channels/socketio.py) shows it
when a socket joins the conversation again. A customer who closed the browser while
waiting and left the queue after the grace period is so told when they come back,
rather than waiting for an agent who will never come.

One list per conversation, `chat-presence:missed:<conversation id>`, oldest first: the
last MAX_KEPT messages, for KEEP_SECONDS after the last one.
"""
import json
from typing import Any, Dict, List

import redis.asyncio as redis

from foundation.chat_presence import GONE

MISSED = "chat-presence:missed:"
MAX_KEPT = 20
KEEP_SECONDS = 24 * 3600


class MissedMessages:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    async def keep_if_gone(self, conversation_id: str, message: Dict[str, Any]) -> bool:
        """Keeps `message` (as emitted to the widget) when the conversation's chat is
        gone; whether it was kept."""
        if await self.redis.zscore(GONE, conversation_id) is None:
            return False
        key = MISSED + conversation_id
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(message, ensure_ascii=False))
            pipe.ltrim(key, -MAX_KEPT, -1)
            pipe.expire(key, KEEP_SECONDS)
            await pipe.execute()
        return True

    async def take(self, conversation_id: str) -> List[Dict[str, Any]]:
        """The messages kept for the conversation, oldest first; forgotten once taken."""
        key = MISSED + conversation_id
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            kept, _ = await pipe.execute()
        return [json.loads(message) for message in kept]
