"""Messages between customers, agents' consoles and the queue, and the queue's clock.

- `RasaClient`: the few calls of Rasa's HTTP API the service makes.
- `CustomerMessenger`: a text to the customer is recorded in the conversation's Rasa
  tracker first (so it is never lost and the bot knows it was said), then emitted to
  the customer's web chat through socket.io's Redis manager: Rasa's socket.io channel
  puts each customer's socket in a room named after the conversation id.
- `ConsoleHub`: the consoles' websockets connected to this service instance. Anything
  for consoles is published on Redis pub/sub (CONSOLE_CHANNEL), so every instance
  behind a load balancer delivers it to the sockets it holds.
- `EventRelay`: follows the Redis stream Rasa's event broker writes (bot/event_broker.py)
  and hands each customer message of a handed-off conversation to the consoles of its
  agent and of the supervisors. Every instance reads the whole stream and delivers
  to its own sockets, so a message reaches each console once.
- `QueueWatch`: every few seconds, agents whose heartbeat stopped lose their chats to
  the front of the queue (their customers are told), SLA breaches are raised, waiting
  customers hear their new place in line, and in push mode waiting conversations are
  assigned to agents with room.

Console message types (websocket, JSON): queue, message, assigned, requeued, overdue;
see openapi.yaml.
"""
import asyncio
import json
import logging
import time
from dataclasses import asdict
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional
from urllib.parse import quote

import aiohttp
import redis.asyncio as redis
import socketio
from redis.exceptions import RedisError
from sanic.exceptions import ServerError, WebsocketClosed
from websockets.exceptions import ConnectionClosed

from foundation.wording import Phrase, finish, say
from foundation.language import SIMPLIFIED
from foundation.staff.auth import User
from foundation.privacy import mask_text
from handoff.queue import HandoffQueue, Overdue, Requeued, Ticket

logger = logging.getLogger(__name__)

# Fixed names shared with the action server (actions/handoff.py publishes notifications).
CONSOLE_CHANNEL = "handoff:console"
NOTIFICATIONS_CHANNEL = "handoff:notifications"
DEFAULT_EVENTS_STREAM = "rasa:events"

TICK_SECONDS = 2.0
RASA_TIMEOUT_SECONDS = 10

_REQUEUED = Phrase(
    "很抱歉，为您服务的客服连接中断了。您已回到队列的最前面，下一位有空的客服会马上接待您。",
    "Sorry, your agent was disconnected. You are back at the front of the queue, and "
    "the next free agent will be with you shortly.",
)
_NEXT_IN_LINE = Phrase("您是下一位，客服马上就来。", "You're next in line; an agent will be with you shortly.")
_PLACE = Phrase(
    "您前面还有 {ahead} 位客户，预计等待约 {minutes} 分钟。",
    "There {verb} now {ahead} customer{plural} ahead of you; the expected wait is about "
    "{minutes} minute{minutes_plural}.",
)
_PLACE_UNKNOWN_WAIT = Phrase(
    "您前面还有 {ahead} 位客户，请稍候。",
    "There {verb} now {ahead} customer{plural} ahead of you. Please stay with us.",
)


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error: nothing was recorded."""


class RasaClient:
    def __init__(self, url: str, token: str, session: aiohttp.ClientSession) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.session = session

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return await self._request("GET", f"/conversations/{quote(conversation_id, safe='')}/tracker")

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        """Adds events to the tracker; Rasa predicts nothing (execute_side_effects is
        off by default), so a recorded message is not answered by the bot."""
        await self._request(
            "POST", f"/conversations/{quote(conversation_id, safe='')}/tracker/events", json=events
        )

    async def trigger_intent(self, conversation_id: str, intent: str) -> bool:
        """Runs the bot as if the customer had said `intent`; its replies go to the
        channel the customer last wrote on. False when the domain has no such intent."""
        try:
            await self._request(
                "POST",
                f"/conversations/{quote(conversation_id, safe='')}/trigger_intent",
                params={"output_channel": "latest"},
                json={"name": intent},
            )
        except _RasaNotFound:
            return False
        return True

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        params = {"token": self.token, **kwargs.pop("params", {})}
        try:
            async with self.session.request(
                method, self.url + path, params=params, **kwargs
            ) as reply:
                if reply.status == 404:
                    raise _RasaNotFound(await reply.text())
                if reply.status >= 400:
                    raise RasaUnavailable(
                        f"Rasa answered {method} {path.split('/')[1]} with HTTP {reply.status}: "
                        f"{(await reply.text())[:200]}"
                    )
                return await reply.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise RasaUnavailable(f"Rasa at {self.url} is not reachable ({error!r}).") from error


class _RasaNotFound(RasaUnavailable):
    pass


class CustomerMessenger:
    def __init__(self, rasa: RasaClient, redis_url: str) -> None:
        self.rasa = rasa
        # write_only: this process emits to customers' sockets but holds none.
        self.sockets = socketio.AsyncRedisManager(redis_url, write_only=True)

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
        return now

    async def close(self) -> None:
        await self.sockets.redis.close()


class ConsoleHub:
    """Envelopes on CONSOLE_CHANNEL: {"to": {"everyone": bool, "agents": [ids],
    "supervisors": bool}, "message": {...}}. The action server's notifications
    (NOTIFICATIONS_CHANNEL) reach every console as queue messages."""

    def __init__(
        self,
        client: redis.Redis,
        on_notification: Callable[[Dict[str, Any]], Awaitable[None]],
    ) -> None:
        self.redis = client
        self.on_notification = on_notification
        self.sockets: Dict[Any, User] = {}

    def connect(self, websocket: Any, user: User) -> None:
        self.sockets[websocket] = user

    def disconnect(self, websocket: Any) -> None:
        self.sockets.pop(websocket, None)

    async def publish(
        self,
        message: Dict[str, Any],
        *,
        everyone: bool = False,
        agents: Iterable[Optional[str]] = (),
        supervisors: bool = False,
    ) -> None:
        await self.redis.publish(
            CONSOLE_CHANNEL, json.dumps(_envelope(message, everyone, agents, supervisors))
        )

    async def deliver(
        self,
        message: Dict[str, Any],
        *,
        everyone: bool = False,
        agents: Iterable[Optional[str]] = (),
        supervisors: bool = False,
    ) -> None:
        """To the matching sockets of this instance only."""
        to = _envelope(message, everyone, agents, supervisors)["to"]
        text = json.dumps(message, ensure_ascii=False)
        for websocket, user in list(self.sockets.items()):
            if to["everyone"] or user.id in to["agents"] or (to["supervisors"] and user.is_supervisor):
                try:
                    await websocket.send(text)
                except (ConnectionClosed, WebsocketClosed, ServerError):
                    # A socket closing meanwhile must not keep the others waiting.
                    self.disconnect(websocket)

    async def listen(self) -> None:
        """Runs for the life of the service; resubscribes after a Redis outage."""
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CONSOLE_CHANNEL, NOTIFICATIONS_CHANNEL)
                async for item in pubsub.listen():
                    try:
                        await self._handle(item)
                    except RedisError:
                        raise
                    except Exception:  # one bad message must not silence the consoles
                        logger.exception("Handling a message on %s failed.", item.get("channel"))
            except RedisError as error:
                logger.error("Console channel lost (%s); resubscribing in 1 s.", error)
                await asyncio.sleep(1)
            finally:
                await pubsub.close()

    async def _handle(self, item: Dict[str, Any]) -> None:
        try:
            data = json.loads(item["data"])
        except (TypeError, ValueError):
            data = None
        if not isinstance(data, dict):
            logger.warning("Ignored a malformed message on %s.", item.get("channel"))
            return
        if item["channel"] == CONSOLE_CHANNEL:
            to = data.get("to") or {}
            await self.deliver(
                data.get("message") or {},
                everyone=bool(to.get("everyone")),
                agents=to.get("agents") or (),
                supervisors=bool(to.get("supervisors")),
            )
            return
        await self.deliver({**data, "type": "queue", "event": data.get("type")}, everyone=True)
        await self.on_notification(data)


def _envelope(message, everyone, agents, supervisors) -> Dict[str, Any]:
    return {
        "to": {
            "everyone": everyone,
            "agents": [agent for agent in agents if agent],
            "supervisors": supervisors,
        },
        "message": message,
    }


class EventRelay:
    def __init__(self, queue: HandoffQueue, hub: ConsoleHub, stream: str) -> None:
        self.queue = queue
        self.hub = hub
        self.stream = stream

    async def run(self) -> None:
        """Follows the stream from its end at start-up; keeps its own position, so a
        Redis outage loses no entry that is still in the stream."""
        last_id = None
        while True:
            try:
                if last_id is None:
                    newest = await self.queue.redis.xrevrange(self.stream, count=1)
                    last_id = newest[0][0] if newest else "0-0"
                replies = await self.queue.redis.xread({self.stream: last_id}, count=100, block=1000)
                for _, entries in replies:
                    for entry_id, fields in entries:
                        last_id = entry_id
                        await self._forward(fields)
            except RedisError as error:
                logger.error("Reading stream %s failed (%s); retrying in 1 s.", self.stream, error)
                await asyncio.sleep(1)
            except Exception:  # skip the entry rather than stop relaying
                logger.exception("Relaying entry %s of stream %s failed.", last_id, self.stream)

    async def _forward(self, fields: Dict[str, str]) -> None:
        try:
            event = json.loads(fields.get("event") or "{}")
        except ValueError:
            logger.warning("Ignored a malformed entry of stream %s.", self.stream)
            return
        if event.get("event") != "user":
            return
        ticket = await self.queue.ticket(fields.get("sender_id") or "")
        if ticket is None:
            return
        text = event.get("text") or ""
        # The context package's rule: phone numbers stay masked until the customer
        # has verified theirs, since an unverified number may be anyone's.
        if not (ticket.context.get("customer") or {}).get("verified"):
            text = mask_text(text)
        await self.hub.deliver(
            {
                "type": "message",
                "conversation_id": ticket.conversation_id,
                "sender": "customer",
                "text": text,
                "time": event.get("timestamp"),
            },
            agents=[ticket.agent_id],
            supervisors=True,
        )


class OverdueAlerts:
    """Open SLA alerts, for the supervisor's overview: HASH {prefix}alerts, one per
    conversation, dropped when the conversation is answered, taken or closed."""

    def __init__(self, queue: HandoffQueue) -> None:
        self.redis = queue.redis
        self.key = queue.settings.key_prefix + "alerts"

    async def add(self, alert: Dict[str, Any]) -> None:
        await self.redis.hset(self.key, alert["conversation_id"], json.dumps(alert))

    async def clear(self, conversation_id: str) -> None:
        await self.redis.hdel(self.key, conversation_id)

    async def all(self) -> List[Dict[str, Any]]:
        alerts = [json.loads(value) for value in (await self.redis.hgetall(self.key)).values()]
        return sorted(alerts, key=lambda alert: alert["since"])


class QueueWatch:
    def __init__(
        self,
        queue: HandoffQueue,
        hub: ConsoleHub,
        messenger: CustomerMessenger,
        alerts: OverdueAlerts,
        push_assignment: bool,
        position_update_seconds: float,
    ) -> None:
        self.queue = queue
        self.hub = hub
        self.messenger = messenger
        self.alerts = alerts
        self.push_assignment = push_assignment
        self.position_update_seconds = position_update_seconds
        prefix = queue.settings.key_prefix
        # Last place in line each waiting customer was told, shared by all instances.
        self.told_positions_key = prefix + "told-positions"
        # Held by the one instance that checks places in line this round.
        self.position_check_key = prefix + "position-check"

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except RedisError as error:
                logger.error("Queue watch: Redis failed (%s); trying again.", error)
            except Exception:  # the clock must keep going
                logger.exception("Queue watch failed; trying again.")
            await asyncio.sleep(TICK_SECONDS)

    async def tick(self) -> None:
        await self.requeued(await self.queue.expire_leases())
        for breach in await self.queue.overdue():
            await self._raise(breach)
        await self.assign_waiting(self.queue.settings.skills)
        if await self.queue.redis.set(
            self.position_check_key, 1, nx=True, px=int(self.position_update_seconds * 1000)
        ):
            await self.tell_positions()

    async def on_notification(self, notification: Dict[str, Any]) -> None:
        if notification.get("type") == "enqueued":
            await self.assign_waiting([notification.get("skill")])

    async def agent_has_room(self, user: User) -> None:
        """Call when an agent may take more: online again, a chat closed or passed on."""
        await self.assign_waiting(user.skills)

    async def assign_waiting(self, skills: Iterable[str]) -> None:
        """Push mode: gives the skills' waiting conversations to the least busy agents
        with room. In pull mode agents claim them instead, and this does nothing."""
        if not self.push_assignment:
            return
        for skill in skills:
            if skill not in self.queue.settings.skills:
                continue
            while True:
                ticket = await self.queue.assign_next(skill)
                if ticket is None:
                    break
                await self.assigned(ticket)

    async def assigned(self, ticket: Ticket) -> None:
        """Tells the consoles that `ticket` went to its agent."""
        await self.alerts.clear(ticket.conversation_id)
        await self.hub.publish(
            {
                "type": "assigned",
                "conversation_id": ticket.conversation_id,
                "agent_id": ticket.agent_id,
                "skill": ticket.skill,
                "reason": ticket.reason,
                "priority": ticket.priority,
                "summary": ticket.context.get("summary", ""),
            },
            agents=[ticket.agent_id],
            supervisors=True,
        )
        await self.queue_changed("assigned", ticket.conversation_id, ticket.skill)

    async def queue_changed(self, event: str, conversation_id: str, skill: str) -> None:
        await self.hub.publish(
            {"type": "queue", "event": event, "conversation_id": conversation_id, "skill": skill},
            everyone=True,
        )

    async def requeued(self, chats: List[Requeued]) -> None:
        """Chats an agent lost: their customers are told, every console is told."""
        for chat in chats:
            ticket = await self.queue.ticket(chat.conversation_id)
            language = (ticket.language if ticket else "") or SIMPLIFIED
            if await self._tell_customer(chat.conversation_id, _REQUEUED, language, "requeued"):
                await self.queue.redis.hset(self.told_positions_key, chat.conversation_id, chat.position)
            await self.hub.publish({"type": "requeued", **asdict(chat)}, everyone=True)
        await self.assign_waiting({chat.skill for chat in chats})

    async def tell_positions(self) -> None:
        """Tells each waiting customer whose place in line changed since last told.
        A place first seen is only noted: the action told it at enqueueing."""
        told = await self.queue.redis.hgetall(self.told_positions_key)
        waiting = {}
        for skill in self.queue.settings.skills:
            key = self.queue.settings.key_prefix + "queue:" + skill
            for rank, conversation_id in enumerate(await self.queue.redis.zrange(key, 0, -1)):
                waiting[conversation_id] = rank + 1
        gone = [conversation_id for conversation_id in told if conversation_id not in waiting]
        if gone:
            await self.queue.redis.hdel(self.told_positions_key, *gone)
        for conversation_id, position in waiting.items():
            if conversation_id in told and int(told[conversation_id]) != position:
                ticket = await self.queue.ticket(conversation_id)
                if ticket is None:  # closed meanwhile
                    continue
                wait = await self.queue.estimated_wait_seconds(conversation_id)
                phrase, values = _place_phrase(position, wait)
                told_ok = await self._tell_customer(
                    conversation_id, phrase, ticket.language or SIMPLIFIED, "position", **values
                )
                if not told_ok:
                    continue  # told next round
            await self.queue.redis.hset(self.told_positions_key, conversation_id, position)

    async def _raise(self, breach: Overdue) -> None:
        alert = {"type": "overdue", **asdict(breach), "breach": breach.breach.value, "raised_at": time.time()}
        await self.alerts.add(alert)
        await self.hub.publish(alert, agents=[breach.agent_id], supervisors=True)

    async def _tell_customer(
        self, conversation_id: str, phrase: Phrase, language: str, kind: str, **values: Any
    ) -> bool:
        text = finish(say(phrase, language, **values), language)
        try:
            await self.messenger.send(conversation_id, text, {"handoff": kind})
        except RasaUnavailable as error:
            logger.error("Could not tell conversation %s (%s): %s", conversation_id, kind, error)
            return False
        return True


def _place_phrase(position: int, wait_seconds: Optional[int]):
    """Worded like the action's first message: customers ahead, expected minutes."""
    ahead = position - 1
    if ahead == 0:
        return _NEXT_IN_LINE, {}
    values = {"ahead": ahead, "verb": "is" if ahead == 1 else "are", "plural": "" if ahead == 1 else "s"}
    if wait_seconds is None:
        return _PLACE_UNKNOWN_WAIT, values
    minutes = max(1, round(wait_seconds / 60))
    return _PLACE, {**values, "minutes": minutes, "minutes_plural": "" if minutes == 1 else "s"}
