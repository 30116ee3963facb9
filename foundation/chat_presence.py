"""Which web chats have lost their customer, shared in Redis between the chat channel
(bot/channels/socketio.py), which sees sockets come and go, and the agent service,
which lets a customer who waits in the queue with no chat open leave it after a grace
period (handoff/service/abandoning.py).

One sorted set, `chat-presence:gone`: conversation id -> epoch seconds when its last
socket went. A socket joining the conversation (the widget reconnecting, the page
reloaded) takes the conversation out, so a customer who comes back in time keeps
their place. No entry means present, or never seen on the web chat (the app and the
IVR have no sockets): only a socket that was there and went counts as gone.
"""
import time
from typing import List, Optional

import redis.asyncio as redis

GONE = "chat-presence:gone"


class ChatPresence:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    async def connected(self, conversation_id: str) -> None:
        await self.redis.zrem(GONE, conversation_id)

    async def gone(self, conversation_id: str, now: Optional[float] = None) -> None:
        """Call when the conversation's last socket disconnected."""
        await self.redis.zadd(GONE, {conversation_id: time.time() if now is None else now})

    async def gone_before(self, deadline: float) -> List[str]:
        """The conversations gone since before `deadline`, longest gone first."""
        return await self.redis.zrangebyscore(GONE, "-inf", deadline)

    async def forget(self, conversation_id: str) -> None:
        """Call when nothing more depends on whether the customer is there."""
        await self.redis.zrem(GONE, conversation_id)
