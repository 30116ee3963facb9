"""The durable outbox of callbacks to app back-ends, in Redis (append-only on disk, so
a restart of Redis, the worker or the whole assistant loses nothing).

Keys (prefix `delivery:` unless DELIVERY_KEY_PREFIX says otherwise):

  <p>message:<delivery id>  hash: conversation, front_end, body (JSON), created,
                            attempts, last_error — one message waiting to be delivered
  <p>queue:<conversation>   list of delivery ids, oldest first: the conversation's order
  <p>due                    sorted set: conversation -> when its first message may be
                            tried next. A worker that takes a conversation pushes its
                            time past a lease, so no other worker sends it meanwhile and
                            a worker that dies mid-send is replaced after the lease
  <p>dead                   stream of messages given up on after the last attempt
  <p>wake                   a list a writer pushes to, so an idle worker wakes at once

Why lists and a sorted set rather than one stream read by a consumer group: a
conversation's next message must wait for the previous one, for hours if its back-end
is down, while other conversations go on; a stream hands entries out in arrival order
across all conversations. Every change is one Lua step, so nothing is half done.
"""
import json
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import redis.asyncio as redis

from foundation.redis_client import connect

DEFAULT_KEY_PREFIX = "delivery:"

_ENQUEUE = """
redis.call('HSET', KEYS[1], 'conversation', ARGV[2], 'front_end', ARGV[3], 'body', ARGV[4],
           'created', ARGV[5], 'attempts', 0)
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], 'NX', ARGV[5], ARGV[2])
redis.call('LPUSH', KEYS[4], 1)
redis.call('LTRIM', KEYS[4], 0, 0)
"""
# Conversations due by ARGV[1], at most ARGV[3], each leased until ARGV[2].
_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, conversation in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[2], conversation) end
return due
"""
# The conversation's first message is done with (delivered, or dead with ARGV[3..] as
# its dead-letter fields); its next one is due now.
_DONE = """
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return 0 end
if #ARGV > 3 then
  for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
  local fields = redis.call('HGETALL', KEYS[2])
  table.insert(fields, 'delivery_id'); table.insert(fields, ARGV[1])
  redis.call('XADD', KEYS[4], '*', unpack(fields))
end
redis.call('LPOP', KEYS[1])
redis.call('DEL', KEYS[2])
if redis.call('LLEN', KEYS[1]) > 0 then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
  redis.call('LPUSH', KEYS[5], 1)
  redis.call('LTRIM', KEYS[5], 0, 0)
else
  redis.call('ZREM', KEYS[3], ARGV[2])
end
return 1
"""
# The conversation's first delivery id and its message's fields, in one round trip.
_FIRST = """
local delivery_id = redis.call('LINDEX', KEYS[1], 0)
if not delivery_id then return nil end
return {delivery_id, redis.call('HGETALL', ARGV[1] .. 'message:' .. delivery_id)}
"""
_FORGET = """
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) end
"""
_RETRY_LATER = """
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[2], 'attempts', 1)
redis.call('HSET', KEYS[2], 'last_error', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
-- Wakes the worker, which now waits until this retry falls due.
redis.call('LPUSH', KEYS[4], 1)
redis.call('LTRIM', KEYS[4], 0, 0)
return 1
"""
# A dead letter back at the end of its conversation's queue, tried again from the
# first attempt under its old delivery id.
_REPLAY = """
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entries == 0 then return nil end
local fields = entries[1][2]
local entry = {}
for i = 1, #fields, 2 do entry[fields[i]] = fields[i + 1] end
local prefix = ARGV[2]
redis.call('HSET', prefix .. 'message:' .. entry.delivery_id, 'conversation', entry.conversation,
           'front_end', entry.front_end, 'body', entry.body, 'created', entry.created, 'attempts', 0)
redis.call('RPUSH', prefix .. 'queue:' .. entry.conversation, entry.delivery_id)
redis.call('ZADD', prefix .. 'due', 'NX', ARGV[3], entry.conversation)
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('LPUSH', prefix .. 'wake', 1)
redis.call('LTRIM', prefix .. 'wake', 0, 0)
return entry.delivery_id
"""


@dataclass(frozen=True)
class Pending:
    """A conversation's first message, as a worker tries it."""
    delivery_id: str
    conversation: str
    front_end: str
    body: str
    created: float
    attempts: int


class Outbox:
    def __init__(self, client: redis.Redis, prefix: str = DEFAULT_KEY_PREFIX) -> None:
        self.redis = client
        self.prefix = prefix
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)
        self._done = client.register_script(_DONE)
        self._retry_later = client.register_script(_RETRY_LATER)
        self._replay = client.register_script(_REPLAY)
        self._forget = client.register_script(_FORGET)
        self._first = client.register_script(_FIRST)

    @classmethod
    def from_url(cls, url: str) -> "Outbox":
        return cls(connect(url), os.environ.get("DELIVERY_KEY_PREFIX") or DEFAULT_KEY_PREFIX)

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    async def put(self, conversation: str, front_end: str, message: Dict[str, Any]) -> str:
        """Queues `message` for `conversation`'s back-end after what is queued already;
        returns its delivery id."""
        delivery_id = uuid.uuid4().hex
        now = time.time()
        body = json.dumps({"delivery_id": delivery_id, "conversation_id": conversation,
                           "created": now, **message}, ensure_ascii=False)
        await self._enqueue(
            keys=[self._key("message", delivery_id), self._key("queue", conversation),
                  self._key("due"), self._key("wake")],
            args=[delivery_id, conversation, front_end, body, repr(now)],
        )
        return delivery_id

    async def claim(self, now: float, lease_seconds: float, limit: int) -> List[str]:
        """Conversations whose first message is due, leased to the caller."""
        return await self._claim(keys=[self._key("due")], args=[now, now + lease_seconds, limit])

    async def first(self, conversation: str) -> Optional[Pending]:
        """The conversation's first queued message, if any."""
        found = await self._first(keys=[self._key("queue", conversation)], args=[self.prefix])
        if not found or not found[1]:
            return None
        delivery_id, pairs = found
        fields = dict(zip(pairs[::2], pairs[1::2]))
        return Pending(delivery_id, conversation, fields["front_end"], fields["body"],
                       float(fields["created"]), int(fields["attempts"]))

    async def delivered(self, pending: Pending, now: float) -> None:
        await self._done(keys=self._done_keys(pending), args=[pending.delivery_id,
                                                               pending.conversation, now])

    async def bury(self, pending: Pending, now: float, error: str) -> None:
        """Moves the message to the dead letters; the conversation's next one goes on."""
        await self._done(keys=self._done_keys(pending), args=[
            pending.delivery_id, pending.conversation, now,
            "attempts", pending.attempts + 1, "last_error", error, "died", now,
        ])

    def _done_keys(self, pending: Pending) -> List[str]:
        return [self._key("queue", pending.conversation), self._key("message", pending.delivery_id),
                self._key("due"), self._key("dead"), self._key("wake")]

    async def forget(self, conversation: str) -> None:
        """Stops looking at a conversation that has nothing queued."""
        await self._forget(keys=[self._key("queue", conversation), self._key("due")],
                           args=[conversation])

    async def retry_later(self, pending: Pending, error: str, at: float) -> None:
        await self._retry_later(
            keys=[self._key("queue", pending.conversation), self._key("message", pending.delivery_id),
                  self._key("due"), self._key("wake")],
            args=[pending.delivery_id, pending.conversation, error, at],
        )

    async def wait_for_work(self, now: float, longest: float) -> None:
        """Returns when a writer queued something, the next retry falls due, or after
        `longest` seconds."""
        first = await self.redis.zrange(self._key("due"), 0, 0, withscores=True)
        seconds = min(longest, first[0][1] - now) if first else longest
        await self.redis.blpop([self._key("wake")], timeout=max(seconds, 0.01))

    async def dead_letters(self, limit: int = 100) -> List[Dict[str, Any]]:
        """The oldest dead letters first; `id` names one for `replay`."""
        entries = await self.redis.xrange(self._key("dead"), count=limit)
        return [_dead_letter(entry_id, fields) for entry_id, fields in entries]

    async def dead_count(self) -> int:
        return await self.redis.xlen(self._key("dead"))

    async def replay(self, dead_id: str) -> Optional[str]:
        """Queues a dead letter again; its delivery id, or None when there is no such one."""
        return await self._replay(keys=[self._key("dead")],
                                  args=[dead_id, self.prefix, time.time()])

    async def waiting(self) -> int:
        """How many conversations have messages waiting."""
        return await self.redis.zcard(self._key("due"))

    async def close(self) -> None:
        await self.redis.close()


def _dead_letter(entry_id: str, fields: Dict[str, str]) -> Dict[str, Any]:
    try:
        message = json.loads(fields.get("body", ""))
    except ValueError:
        message = None
    return {
        "id": entry_id,
        "delivery_id": fields.get("delivery_id"),
        "conversation_id": fields.get("conversation"),
        "front_end": fields.get("front_end"),
        "created": float(fields.get("created", 0)),
        "died": float(fields.get("died", 0)),
        "attempts": int(fields.get("attempts", 0)),
        "last_error": fields.get("last_error", ""),
        "message": message,
    }
