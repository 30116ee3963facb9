"""A conversation lock in Redis that takes one round trip to take and one to give back.

Rasa 3.6's `RedisLockStore` keeps each conversation's tickets as a JSON value that it
reads, changes and writes back: seven blocking Redis calls per message in the server's
event loop (a tenth of its busy time under load), and two servers issuing tickets for
the same conversation at once can overwrite each other's, both then processing it.
Here each change is one Lua script, run atomically by Redis with its own clock, through
an asyncio client. The behaviour is Rasa's ticket lock: messages of a conversation are
processed one at a time in the order they arrived, a ticket expires after the lock
lifetime (a server that died holding it does not block the conversation for longer),
and a turn whose own ticket expired while waiting gets Rasa's `LockError`.

Configured in endpoints.yml:

    lock_store:
      type: bot.lock_store.AtomicRedisLockStore
      url: ${REDIS_URL}
      key_prefix: courier
"""
import asyncio
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from foundation.redis_client import connect

# Both scripts first let expired tickets go; a ticket's score is when it expires (ms).
_EXPIRE = """
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
"""
# The lowest ticket left is the one being served.
_SERVED = """
local served = nil
for _, ticket in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local number = tonumber(ticket)
  if served == nil or number < served then served = number end
end
"""
# KEYS: tickets, counter. ARGV: lifetime (ms). Returns {ticket, 1 if it is served now}.
_ISSUE = _EXPIRE + """
local ticket = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ticket)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
""" + _SERVED + """
return {ticket, served == ticket and 1 or 0}
"""
# KEYS: tickets. ARGV: ticket. Returns 1 when it is served now, 0 when it waits, -1
# when it expired.
_CHECK = _EXPIRE + """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
""" + _SERVED + """
return served == tonumber(ARGV[1]) and 1 or 0
"""
# KEYS: tickets, counter. ARGV: ticket. Nobody left: both keys go.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return 1
"""


# Rasa waits a second between tries; a try here is one cheap round trip, and a
# customer's second message should not wait a second for the first.
POLL_SECONDS = 0.05


class AtomicRedisLockStore(LockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        self.redis = connect(endpoint_config.url, decode_responses=False,
                             timeout=float(endpoint_config.kwargs.get("socket_timeout") or 10))
        self.key_prefix = f"{endpoint_config.kwargs.get('key_prefix') or 'rasa'}:lock:"
        self._issue = self.redis.register_script(_ISSUE)
        self._check = self.redis.register_script(_CHECK)
        self._release = self.redis.register_script(_RELEASE)
        super().__init__()

    def _keys(self, conversation_id: Text):
        tickets = f"{self.key_prefix}{conversation_id}"
        return [tickets, f"{tickets}:next"]

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        keys = self._keys(conversation_id)
        try:
            ticket, served = await self._issue(keys=keys, args=[int(lock_lifetime * 1000)])
        except redis.RedisError as error:
            raise LockError(f"Could not lock conversation {conversation_id}: {error}")
        try:
            while not served:
                await asyncio.sleep(min(wait_time_in_seconds, POLL_SECONDS))
                served = await self._check(keys=keys[:1], args=[ticket])
                if served == -1:
                    raise LockError(
                        f"Could not acquire lock for conversation_id '{conversation_id}'.")
            yield TicketLock(conversation_id)
        finally:
            try:
                await self._release(keys=keys, args=[ticket])
            except redis.RedisError:
                pass  # the ticket expires with the lock lifetime

    # Rasa's other LockStore methods work on a whole TicketLock; nothing calls them
    # once lock() is replaced, and half-supporting them would invite races.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        raise NotImplementedError("AtomicRedisLockStore locks only through lock().")

    def delete_lock(self, conversation_id: Text) -> None:
        raise NotImplementedError("AtomicRedisLockStore locks only through lock().")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("AtomicRedisLockStore locks only through lock().")
