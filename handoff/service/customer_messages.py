"""Texts to a customer from the agent service: an agent's message, a word about their
place in line, and that an agent joined or left.

A text is recorded in the conversation's Rasa tracker first (so it is never lost and
the bot knows it was said), then emitted to the customer's web chat through
socket.io's Redis manager: Rasa's socket.io channel puts each customer's socket in a
room named after the conversation id. A conversation of an app back-end with a
callback ("app:<sender>", credentials.yml) gets it through the callback outbox as well
(delivery/), in order after the bot's replies. What reaches a web chat while the
customer's chat is gone is kept for their return (foundation/missed_messages.py).

The web chat widget renders markdown, so what it gets is the text shown as written
(foundation/markdown.py, as the bot's own replies in bot/channels/socketio.py), and an
agent's message comes under the agent's name: the widget draws every message from the
server alike, so without it a person's answer would look like the bot's.
"""
import logging
import time
from typing import Any, Dict, Optional

import socketio
from redis.exceptions import RedisError

from delivery.outbox import Outbox
from delivery.targets import CallbackTarget, load_targets
from foundation.markdown import plain_text_as_markdown
from foundation.message_bus import JsonRedisManager
from foundation.missed_messages import MissedMessages
from foundation.redis_client import connect
from foundation.wording import Phrase, finish, say
from handoff.service.rasa_client import RasaClient, RasaUnavailable

logger = logging.getLogger(__name__)

_AGENT_JOINED = Phrase("客服 {name} 已接入", "Agent {name} has joined the chat")
_AGENT_LEFT = Phrase(
    "客服已结束会话，机器人继续为您服务",
    "The agent has left the chat; the assistant is here for you again",
)
# Above each of the agent's messages in the web chat.
_AGENT_SIGNATURE = Phrase("客服 {name}", "Agent {name}")


class CustomerMessenger:
    def __init__(self, rasa: RasaClient, sockets: socketio.AsyncRedisManager,
                 outbox: Optional[Outbox] = None,
                 callbacks: Optional[Dict[str, CallbackTarget]] = None,
                 missed: Optional[MissedMessages] = None) -> None:
        self.rasa = rasa
        self.sockets = sockets
        self.missed = missed
        # Also the supervisors' way to the dead letters (routes/deliveries.py).
        self.outbox = outbox
        self.callbacks = callbacks or {}

    @classmethod
    def over_redis(cls, rasa: RasaClient, redis_url: str) -> "CustomerMessenger":
        # write_only: this process emits to customers' sockets but holds none. JSON, as
        # every process on the bus must speak it (foundation/message_bus.py).
        return cls(rasa, JsonRedisManager(redis_url, write_only=True),
                   Outbox.from_url(redis_url), load_targets(), MissedMessages(connect(redis_url)))

    async def send(self, conversation_id: str, text: str, metadata: Dict[str, Any],
                   web_chat_text: Optional[str] = None) -> float:
        """Records `text` as a bot message with `metadata`, then emits it to the
        customer's web chat, as markdown showing it as written unless
        `web_chat_text` (markdown) is given. RasaUnavailable when it could not be
        recorded: then it was not emitted either, and may be sent again. Returns the
        message's time.

        The emitted message is `{"text": ...}` only: the web chat widget drops messages
        with any other key."""
        now = time.time()
        await self.rasa.append_events(
            conversation_id, [{"event": "bot", "text": text, "metadata": metadata, "timestamp": now}]
        )
        shown = web_chat_text if web_chat_text is not None else plain_text_as_markdown(text)
        await self.sockets.emit("bot_uttered", {"text": shown}, room=conversation_id, namespace="/")
        await self._keep_if_gone(conversation_id, {"text": shown})
        front_end, _, sender = conversation_id.partition(":")
        if self.outbox and front_end in self.callbacks:
            by_agent = {"from": "agent", "agent_name": metadata.get("agent_name")} \
                if metadata.get("agent") else {"from": "bot"}
            await self.outbox.put(conversation_id, front_end,
                                  {"sender": sender, **by_agent, "message": {"text": text}})
        return now

    async def send_from_agent(self, conversation_id: str, text: str, agent_id: str,
                              agent_name: str, language: str) -> float:
        """An agent's message; the web chat shows it under the agent's name."""
        signature = finish(say(_AGENT_SIGNATURE, language, name=agent_name), language)
        return await self.send(
            conversation_id, text, {"agent": agent_id, "agent_name": agent_name},
            web_chat_text=f"**{plain_text_as_markdown(signature)}**  \n{plain_text_as_markdown(text)}",
        )

    async def agent_joined(self, conversation_id: str, agent_name: str, language: str) -> None:
        """Tells the customer which agent now has their conversation."""
        text = finish(say(_AGENT_JOINED, language, name=agent_name), language)
        await self._notice(conversation_id, text, {"handoff": "agent_joined", "agent_name": agent_name})

    async def agent_left(self, conversation_id: str, language: str) -> None:
        """Tells the customer the agent closed the conversation and the bot is back.
        RasaUnavailable when it could not be told: closing fails with it."""
        text = finish(say(_AGENT_LEFT, language), language)
        await self.send(conversation_id, text, {"handoff": "agent_left"})

    async def agent_typing(self, conversation_id: str) -> None:
        """Shows the customer's web chat that the agent is writing (bot/channels/
        chat_page.html); not recorded, and no other channel has a way to show it."""
        await self.sockets.emit("agent_typing", {}, room=conversation_id, namespace="/")

    async def _keep_if_gone(self, conversation_id: str, message: Dict[str, Any]) -> None:
        # The message is recorded and sent: failing to keep a copy for a customer who
        # may come back must not fail it.
        if self.missed is None:
            return
        try:
            await self.missed.keep_if_gone(conversation_id, message)
        except (RedisError, OSError) as error:
            logger.warning("Could not keep a message for the gone web chat %s (%s).",
                           conversation_id, error)

    async def _notice(self, conversation_id: str, text: str, metadata: Dict[str, Any]) -> None:
        # A notice lost to Rasa being down must not undo what the agent did: the agent's
        # first message shows their name anyway.
        try:
            await self.send(conversation_id, text, metadata)
        except RasaUnavailable as error:
            logger.error("Could not tell conversation %s (%s): %s",
                         conversation_id, metadata["handoff"], error)

    async def close(self) -> None:
        await self.sockets.redis.close()
        if self.missed:
            await self.missed.redis.close()
        if self.outbox:
            await self.outbox.close()
