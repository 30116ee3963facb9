"""Agents' internal notes on a conversation while it is with them; they go into the
case archive (handoff/cases.py) when it closes.

Redis: LIST {prefix}notes:{conversation} of JSON notes, oldest first, under the queue's
key prefix (QueueSettings.key_prefix).
"""
import json
import time
from typing import Any, Dict, List

from handoff.queue import HandoffQueue


class ConversationNotes:
    def __init__(self, queue: HandoffQueue) -> None:
        self.redis = queue.redis
        self.prefix = queue.settings.key_prefix + "notes:"

    async def add(self, conversation_id: str, agent_id: str, text: str) -> Dict[str, Any]:
        note = {"agent_id": agent_id, "text": text, "created_at": time.time()}
        await self.redis.rpush(self.prefix + conversation_id, json.dumps(note, ensure_ascii=False))
        return note

    async def all(self, conversation_id: str) -> List[Dict[str, Any]]:
        return [json.loads(note) for note in await self.redis.lrange(self.prefix + conversation_id, 0, -1)]

    async def delete(self, conversation_id: str) -> None:
        await self.redis.delete(self.prefix + conversation_id)
