"""Texts to a customer from the agent service: an agent's message, or a word about
their place in line.

A text is recorded in the conversation's Rasa tracker first (so it is never lost and
the bot knows it was said), then emitted to the customer's web chat through
socket.io's Redis manager: Rasa's socket.io channel puts each customer's socket in a
room named after the conversation id. A conversation of an app back-end with a
callback ("app:<sender>", credentials.yml) gets it through the callback outbox as well
(delivery/), in order after the bot's replies.
"""
import time
from typing import Any, Dict, Optional

import socketio

from delivery.outbox import Outbox
from delivery.targets import CallbackTarget, load_targets
from foundation.message_bus import JsonRedisManager
from handoff.service.rasa_client import RasaClient


class CustomerMessenger:
    def __init__(self, rasa: RasaClient, sockets: socketio.AsyncRedisManager,
                 outbox: Optional[Outbox] = None,
                 callbacks: Optional[Dict[str, CallbackTarget]] = None) -> None:
        self.rasa = rasa
        self.sockets = sockets
        # Also the supervisors' way to the dead letters (routes/deliveries.py).
        self.outbox = outbox
        self.callbacks = callbacks or {}

    @classmethod
    def over_redis(cls, rasa: RasaClient, redis_url: str) -> "CustomerMessenger":
        # write_only: this process emits to customers' sockets but holds none. JSON, as
        # every process on the bus must speak it (foundation/message_bus.py).
        return cls(rasa, JsonRedisManager(redis_url, write_only=True),
                   Outbox.from_url(redis_url), load_targets())

    async def send(self, conversation_id: str, text: str, metadata: Dict[str, Any]) -> float:
        """Records `text` as a bot message with `metadata`, then emits it to the
        customer's web chat. RasaUnavailable when it could not be recorded: then it was
        not emitted either, and may be sent again. Returns the message's time.

        The emitted message is `{"text": ...}` only: the web chat widget drops messages
        with any other key."""
        now = time.time()
        await self.rasa.append_events(
            conversation_id, [{"event": "bot", "text": text, "metadata": metadata, "timestamp": now}]
        )
        await self.sockets.emit(
            "bot_uttered", {"text": text}, room=conversation_id, namespace="/"
        )
        front_end, _, sender = conversation_id.partition(":")
        if self.outbox and front_end in self.callbacks:
            by_agent = {"from": "agent", "agent_name": metadata.get("agent_name")} \
                if metadata.get("agent") else {"from": "bot"}
            await self.outbox.put(conversation_id, front_end,
                                  {"sender": sender, **by_agent, "message": {"text": text}})
        return now

    async def close(self) -> None:
        await self.sockets.redis.close()
        if self.outbox:
            await self.outbox.close()
