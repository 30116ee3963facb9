"""News from the action server to the agent service, on Redis pub/sub.

actions/handoff.py publishes {"type": "enqueued", "conversation_id", "skill"} when it
queues a customer and {"type": "callback", "conversation_id", "callback_id"} when a
customer leaves a callback message. Every service instance passes each on to its
consoles, and in push mode assigns the newly queued conversation
(handoff/service/console_hub.py).
"""
import json
from typing import Any, Dict

import redis.asyncio as redis

NOTIFICATIONS_CHANNEL = "handoff:notifications"


async def publish_notification(client: redis.Redis, notification: Dict[str, Any]) -> None:
    await client.publish(NOTIFICATIONS_CHANNEL, json.dumps(notification))
