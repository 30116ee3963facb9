"""Open SLA alerts, for the supervisor's overview: one per conversation, raised by the
service's queue watch when the queue reports a breach (HandoffQueue.overdue), dropped
when the conversation is answered, taken or closed.

Redis: HASH {prefix}alerts, conversation id -> the alert as JSON, under the queue's key
prefix (QueueSettings.key_prefix).
"""
import json
from typing import Any, Dict, List

from handoff.queue import HandoffQueue


class OverdueAlerts:
    def __init__(self, queue: HandoffQueue) -> None:
        self.redis = queue.redis
        self.key = queue.settings.key_prefix + "alerts"

    async def add(self, alert: Dict[str, Any]) -> None:
        await self.redis.hset(self.key, alert["conversation_id"], json.dumps(alert))

    async def clear(self, conversation_id: str) -> None:
        await self.redis.hdel(self.key, conversation_id)

    async def all(self) -> List[Dict[str, Any]]:
        """Oldest breach first."""
        alerts = [json.loads(value) for value in (await self.redis.hgetall(self.key)).values()]
        return sorted(alerts, key=lambda alert: alert["since"])
