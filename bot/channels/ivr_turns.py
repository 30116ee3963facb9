"""Turns and call state of the IVR channel, in Redis so every Rasa server shares them.

An IVR retries a turn it got no answer to (a timeout, a dropped connection), possibly
while the first attempt is still being answered. Each turn is claimed once: the first
request processes it and stores the reply; a repeat waits for that reply and gets it
as it was, so the caller's words never reach the assistant twice. A turn id sent again
with another input is refused (409): it is a bug of the front end, not a retry.

The state of a conversation (the last prompts, the menu on offer, the re-prompts used)
is kept for as long as Rasa keeps a session, so a caller who hangs up and calls back
resumes where they were.
"""
import asyncio
import hashlib
import json
import time
from typing import Any, Dict, Optional

import redis.asyncio as redis

from foundation.redis_client import connect

KEY_PREFIX = "rasa:ivr:"
# A turn's reply is kept long enough for any retry of it.
TURN_TTL_SECONDS = 15 * 60
# Rasa's session_expiration_time (domain/core.yml): after that a call starts afresh.
STATE_TTL_SECONDS = 60 * 60
PENDING = "pending"
REDIS_TIMEOUT_SECONDS = 2.0


class TurnConflict(Exception):
    """The turn id was used before for another input."""


class TurnStillRunning(Exception):
    """The first attempt of the turn is still being answered after `wait_seconds`."""


def fingerprint(turn: Dict[str, Any]) -> str:
    """What makes a turn the same turn: its input, not its headers or timing."""
    return hashlib.sha256(json.dumps(turn, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class TurnStore:
    def __init__(self, redis_url: str, wait_seconds: float = 60.0, poll_seconds: float = 0.05) -> None:
        self.redis_url = redis_url
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self._redis: Optional[redis.Redis] = None

    @property
    def redis(self) -> redis.Redis:
        if self._redis is None:
            # Made on first use, inside the server's event loop.
            self._redis = connect(self.redis_url, timeout=REDIS_TIMEOUT_SECONDS)
        return self._redis

    async def claim(self, call: str, turn_id: str, print_: str) -> Optional[Dict[str, Any]]:
        """None when this request is the turn's first and must answer it; else the reply
        stored by the first (waited for while it is being answered)."""
        key = f"{KEY_PREFIX}turn:{call}:{turn_id}"
        claimed = json.dumps({"state": PENDING, "fingerprint": print_})
        if await self.redis.set(key, claimed, nx=True, ex=TURN_TTL_SECONDS):
            return None
        deadline = time.monotonic() + self.wait_seconds
        while True:
            stored = json.loads(await self.redis.get(key) or claimed)
            if stored["fingerprint"] != print_:
                raise TurnConflict()
            if stored["state"] != PENDING:
                return stored["reply"]
            if time.monotonic() > deadline:
                raise TurnStillRunning()
            await asyncio.sleep(self.poll_seconds)

    async def answer(self, call: str, turn_id: str, print_: str, reply: Dict[str, Any]) -> None:
        key = f"{KEY_PREFIX}turn:{call}:{turn_id}"
        stored = {"state": "answered", "fingerprint": print_, "reply": reply}
        await self.redis.set(key, json.dumps(stored, ensure_ascii=False), ex=TURN_TTL_SECONDS)

    async def release(self, call: str, turn_id: str) -> None:
        """Forgets a claimed turn that could not be answered, so a retry processes it."""
        await self.redis.delete(f"{KEY_PREFIX}turn:{call}:{turn_id}")

    async def state(self, conversation_id: str) -> Dict[str, Any]:
        stored = await self.redis.get(f"{KEY_PREFIX}state:{conversation_id}")
        return json.loads(stored) if stored else {}

    async def keep_state(self, conversation_id: str, state: Dict[str, Any]) -> None:
        await self.redis.set(f"{KEY_PREFIX}state:{conversation_id}",
                             json.dumps(state, ensure_ascii=False), ex=STATE_TTL_SECONDS)

    async def forget_state(self, conversation_id: str) -> None:
        await self.redis.delete(f"{KEY_PREFIX}state:{conversation_id}")
