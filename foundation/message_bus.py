"""The socket.io message bus over Redis, in JSON.

python-socketio's `AsyncRedisManager` pickles what it publishes and unpickles what it
reads, so anyone who can publish on the Redis channel (any local user, with an
unprotected Redis) runs code in every process listening. This manager writes JSON and
reads JSON only: a payload that is not a JSON object is dropped unread. Every process
on the bus (the Rasa servers, the handoff service) must use it.
"""
import json
import logging
from typing import Any, AsyncIterator, Dict

from redis.exceptions import RedisError
from socketio import AsyncRedisManager

logger = logging.getLogger(__name__)


class JsonRedisManager(AsyncRedisManager):
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
