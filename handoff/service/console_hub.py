"""The consoles' websockets connected to this service instance, and who gets what.

Anything for consoles is published on Redis pub/sub (CONSOLE_CHANNEL) as an envelope,
{"to": {"everyone": bool, "agents": [ids], "supervisors": bool}, "message": {...}}, so
every instance behind a load balancer delivers it to the sockets it holds. The action
server's notifications (handoff/notifications.py) reach every console as "queue"
messages. Console message types: queue, message, assigned, requeued, overdue; see
handoff/openapi.yaml.
"""
import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional

import redis.asyncio as redis
from redis.exceptions import RedisError
from sanic.exceptions import ServerError, WebsocketClosed
from websockets.exceptions import ConnectionClosed

from foundation.staff.auth import User
from handoff.notifications import NOTIFICATIONS_CHANNEL

logger = logging.getLogger(__name__)

CONSOLE_CHANNEL = "handoff:console"


def envelope(
    message: Dict[str, Any],
    *,
    everyone: bool = False,
    agents: Iterable[Optional[str]] = (),
    supervisors: bool = False,
) -> Dict[str, Any]:
    """`message` addressed to every console, to the agents' (a None agent is nobody),
    and to the supervisors'."""
    return {
        "to": {
            "everyone": everyone,
            "agents": [agent for agent in agents if agent],
            "supervisors": supervisors,
        },
        "message": message,
    }


class ConsoleHub:
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
        """To the matching consoles of every instance."""
        addressed = envelope(message, everyone=everyone, agents=agents, supervisors=supervisors)
        await self.redis.publish(CONSOLE_CHANNEL, json.dumps(addressed))

    async def deliver(self, addressed: Dict[str, Any]) -> None:
        """An envelope to the matching sockets of this instance only."""
        to = addressed["to"]
        text = json.dumps(addressed["message"], ensure_ascii=False)
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
            await self.deliver(envelope(
                data.get("message") or {},
                everyone=bool(to.get("everyone")),
                agents=to.get("agents") or (),
                supervisors=bool(to.get("supervisors")),
            ))
            return
        await self.deliver(envelope({**data, "type": "queue", "event": data.get("type")}, everyone=True))
        await self.on_notification(data)
