"""The socket.io message bus over Redis, in JSON.

python-socketio's `AsyncRedisManager` pickles what it publishes and unpickles what it
reads, so anyone who can publish on the Redis channel (any local user, with an
unprotected Redis) runs code in every process listening. This manager writes JSON and
reads JSON only: a payload that is not a JSON object is dropped unread. Every process
on the bus (the Rasa servers, the handoff service) must use it.

Two more departures from python-socketio's manager, both for when Redis is away: a
message reaches the sockets of the process that sends it directly, as it would without
a bus, and only the other processes' sockets through Redis (so a web chat still gets
its session and its replies while Redis is down, and every reply saves a round trip
through Redis); and a lost subscription is retried every second, not after a pause
doubling up to a minute, so messages from other processes flow again as soon as Redis
is back.
"""
import asyncio
import json
import logging
from typing import Any, AsyncIterator, Dict, Optional

from redis.exceptions import RedisError
from socketio import AsyncRedisManager

logger = logging.getLogger(__name__)


RESUBSCRIBE_SECONDS = 1.0
# Marks a message its publisher delivered to its own sockets before publishing.
DELIVERED = "delivered_by_publisher"


class JsonRedisManager(AsyncRedisManager):
    async def emit(self, event: str, data: Any, namespace: Optional[str] = None,
                   room: Optional[str] = None, skip_sid: Any = None, callback: Any = None,
                   **kwargs: Any) -> Any:
        """Delivers to this process's sockets at once, then publishes for the others'."""
        if callback is not None or kwargs.get("ignore_queue"):
            return await super().emit(event, data, namespace=namespace, room=room,
                                      skip_sid=skip_sid, callback=callback, **kwargs)
        namespace = namespace or "/"
        await super().emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid,
                           ignore_queue=True)
        await self._publish({"method": "emit", "event": event, "data": data,
                             "namespace": namespace, "room": room, "skip_sid": skip_sid,
                             "callback": None, "host_id": self.host_id, DELIVERED: True})

    async def _handle_emit(self, message: Dict[str, Any]) -> None:
        if message.get(DELIVERED) and message.get("host_id") == self.host_id:
            return  # this process delivered it to its own sockets already
        await super()._handle_emit(message)

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        subscribe = False
        while True:
            try:
                if subscribe:
                    self._redis_connect()
                    await self.pubsub.subscribe(self.channel)
                    logger.info("Subscribed to socket.io channel %s again.", self.channel)
                async for message in self.pubsub.listen():
                    yield message
            except RedisError as error:
                logger.error("Lost socket.io channel %s (%s); subscribing again in %.0f s.",
                             self.channel, error, RESUBSCRIBE_SECONDS)
                subscribe = True
                await asyncio.sleep(RESUBSCRIBE_SECONDS)

    async def _publish(self, data: Dict[str, Any]) -> Any:
        payload = json.dumps(data, ensure_ascii=False)
        try:
            return await self.redis.publish(self.channel, payload)
        except RedisError:
            # One new connection, as python-socketio does: Redis may have restarted.
            logger.warning("Publishing on socket.io channel %s failed; reconnecting.", self.channel)
        try:
            self._redis_connect()
            return await self.redis.publish(self.channel, payload)
        except RedisError as error:
            logger.error("Publishing on socket.io channel %s failed again (%s); gave up.",
                         self.channel, error)
            return None

    async def _listen(self) -> AsyncIterator[Dict[str, Any]]:
        async for payload in super()._listen():
            try:
                message = json.loads(payload)
            except (TypeError, ValueError):  # UnicodeDecodeError is a ValueError
                message = None
            if isinstance(message, dict):
                # A dict is handled as it is; anything else the base class would unpickle.
                yield message
            else:
                logger.warning("Ignored a message on socket.io channel %s that is not JSON.",
                               self.channel)
