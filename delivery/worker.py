"""`python -m delivery.worker`: POSTs the outbox's messages to the app back-ends.

Each conversation's messages go in order: the next waits until the one before is
delivered (any 2xx) or given up on. A failed attempt (no answer, a timeout, a 5xx, 408,
425 or 429) is tried again after an exponentially growing pause with jitter, for hours
by default; after the last attempt the message becomes a dead letter that a supervisor
can replay (handoff service, /api/deliveries). Any other 4xx says the back-end refuses
this message (a wrong secret, a body it cannot read): trying again cannot help, so it is
a dead letter at once, to be replayed once the back-end is fixed. Other conversations
go on meanwhile.
Every state lives in Redis (delivery/outbox.py), so the worker, Redis or the whole
assistant may restart at any time; a message whose attempt was cut short is sent
again under the same delivery id.

Environment: REDIS_URL; HOST and DELIVERY_PORT for /health (the launcher's check);
DELIVERY_RETRY_FIRST_SECONDS (5), DELIVERY_RETRY_MAX_SECONDS (3600) and
DELIVERY_ATTEMPTS (18: the last one 4 to 8 hours after the first); DELIVERY_TIMEOUT_SECONDS (10) per attempt;
DELIVERY_CONCURRENCY (128) conversations at once.
"""
import asyncio
import logging
import os
import random
import time
from dataclasses import dataclass
from typing import Dict, Optional, Set, Tuple

import aiohttp
from aiohttp import web
from redis.exceptions import RedisError

from delivery.outbox import Outbox, Pending
from delivery.targets import CallbackTarget, load_targets
from foundation.signing import signed_headers
from foundation.staff.web import configure_logging

logger = logging.getLogger("delivery.worker")

ATTEMPT_HEADER = "X-Courier-Attempt"
# 4xx answers that mean "not now" rather than "never".
TRY_AGAIN_STATUSES = {408, 425, 429}
# How long an idle worker sleeps at most before looking for retries that fell due.
IDLE_SECONDS = 1.0


@dataclass(frozen=True)
class RetryPolicy:
    first_seconds: float = 5.0
    max_seconds: float = 3600.0
    attempts: int = 18

    @classmethod
    def from_environment(cls) -> "RetryPolicy":
        env, defaults = os.environ, cls()
        policy = cls(
            float(env.get("DELIVERY_RETRY_FIRST_SECONDS") or defaults.first_seconds),
            float(env.get("DELIVERY_RETRY_MAX_SECONDS") or defaults.max_seconds),
            int(env.get("DELIVERY_ATTEMPTS") or defaults.attempts),
        )
        if policy.first_seconds <= 0 or policy.max_seconds < policy.first_seconds or policy.attempts < 1:
            raise SystemExit("DELIVERY_RETRY_FIRST_SECONDS must be > 0, DELIVERY_RETRY_MAX_SECONDS "
                             "at least as much, and DELIVERY_ATTEMPTS at least 1.")
        return policy

    def pause(self, attempts_made: int, draw: float) -> float:
        """Seconds before the next attempt after `attempts_made` failed ones; `draw` in
        [0, 1) spreads retries of many messages so they do not arrive all at once."""
        ceiling = min(self.max_seconds, self.first_seconds * 2 ** (attempts_made - 1))
        return ceiling * (0.5 + draw / 2)

    def gives_up(self, attempts_made: int) -> bool:
        return attempts_made >= self.attempts


class Worker:
    def __init__(self, outbox: Outbox, targets: Dict[str, CallbackTarget], policy: RetryPolicy,
                 http: aiohttp.ClientSession, concurrency: int = 128) -> None:
        self.outbox = outbox
        self.targets = targets
        self.policy = policy
        self.http = http
        self.concurrency = concurrency
        timeout = http.timeout.total or 10.0
        # Longer than one attempt can take, so a conversation is never sent twice at once.
        self.lease_seconds = timeout + 30.0

    async def run(self) -> None:
        active: Set[asyncio.Task] = set()
        while True:
            try:
                if len(active) >= self.concurrency:
                    await asyncio.wait(active, return_when=asyncio.FIRST_COMPLETED)
                    continue
                claimed = await self.outbox.claim(time.time(), self.lease_seconds,
                                                  self.concurrency - len(active))
                for conversation in claimed:
                    task = asyncio.ensure_future(self.deliver(conversation))
                    active.add(task)
                    task.add_done_callback(active.discard)
                if not claimed:
                    await self.outbox.wait_for_work(time.time(), IDLE_SECONDS)
            except RedisError as error:
                logger.warning("Redis is not answering (%s); trying again in a second.", error)
                await asyncio.sleep(1.0)

    async def deliver(self, conversation: str) -> None:
        """One attempt at the conversation's first message; then it is delivered, due
        again later, or a dead letter."""
        try:
            pending = await self.outbox.first(conversation)
            if pending is None:
                await self.outbox.forget(conversation)
                return
            error, status = await self.attempt(pending)
            now = time.time()
            if error is None:
                await self.outbox.delivered(pending, now)
                return
            attempts_made = pending.attempts + 1
            refused = 400 <= status < 500 and status not in TRY_AGAIN_STATUSES
            if refused or self.policy.gives_up(attempts_made):
                logger.error("Callback %s of %s failed %d times (%s); it is a dead letter now.",
                             pending.delivery_id, conversation, attempts_made, error)
                await self.outbox.bury(pending, now, error)
            else:
                await self.outbox.retry_later(
                    pending, error, now + self.policy.pause(attempts_made, random.random()))
        except RedisError as error:
            # The lease runs out and the conversation is taken up again.
            logger.warning("Redis failed while delivering to %s: %s", conversation, error)

    async def attempt(self, pending: Pending) -> Tuple[Optional[str], int]:
        """POSTs the message; what went wrong (None when the back-end took it) and the
        HTTP status (0 without one)."""
        target = self.targets.get(pending.front_end)
        if target is None:
            return f"front end {pending.front_end} has no callback_url configured", 0
        body = pending.body.encode("utf-8")
        headers = signed_headers(target.secret, pending.delivery_id, int(time.time()), body)
        headers[ATTEMPT_HEADER] = str(pending.attempts + 1)
        try:
            async with self.http.post(target.url, data=body, headers=headers) as reply:
                await reply.read()
                if 200 <= reply.status < 300:
                    return None, reply.status
                return f"HTTP {reply.status}", reply.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return f"{type(error).__name__}: {error}"[:300], 0


async def health(request: web.Request) -> web.Response:
    outbox: Outbox = request.app["outbox"]
    try:
        counts = {"waiting_conversations": await outbox.waiting(),
                  "dead_letters": await outbox.dead_count()}
    except RedisError:
        counts = {"redis": "unavailable"}
    return web.json_response({"status": "ok", **counts})


async def serve() -> None:
    env = os.environ
    if not env.get("REDIS_URL"):
        raise SystemExit("REDIS_URL must be set: the outbox lives in Redis.")
    targets = load_targets()
    outbox = Outbox.from_url(env["REDIS_URL"])
    timeout = aiohttp.ClientTimeout(total=float(env.get("DELIVERY_TIMEOUT_SECONDS") or 10))
    async with aiohttp.ClientSession(timeout=timeout) as http:
        worker = Worker(outbox, targets, RetryPolicy.from_environment(), http,
                        int(env.get("DELIVERY_CONCURRENCY") or 128))
        app = web.Application()
        app["outbox"] = outbox
        app.router.add_get("/health", health)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, env.get("HOST", "127.0.0.1"),
                          int(env.get("DELIVERY_PORT") or 5008)).start()
        logger.info("Delivering callbacks of %s.",
                    ", ".join(f"{name} to {t.url}" for name, t in targets.items()) or "no front end")
        try:
            await worker.run()
        finally:
            await runner.cleanup()
            await outbox.close()


def main() -> None:
    configure_logging()
    asyncio.run(serve())


if __name__ == "__main__":
    main()
