"""Times callbacks to an app back-end under 50 conversations at once.

    .venv/bin/python -m commands.bench_callbacks [--conversations 50] [--messages 4] [--target-ms 1000]

Starts the whole assistant on free ports with its own Redis and APP_CALLBACK_URL
pointing at a receiver in this process, which checks every signature. Each of the
conversations sends its messages one after another over the REST channel (each
answered 202 once the assistant has put its replies into the outbox); every reply is timed
from the moment it was queued in the outbox (its `created`) until the receiver has it
(the delivery: worker, signing, POST), and from the moment its customer message left
until then (the whole turn by callback). Prints p50/p95/p99 in milliseconds and exits
with 1 when the delivery p95 is over the target.
"""
import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List

import aiohttp
from aiohttp import web

from commands.latency import percentiles, report
from commands.launcher import Stack
from commands.processes import free_port
from commands.training import ensure_model
from foundation.signing import verify


class Receiver:
    """The app back-end: the arrival time of each reply, by the message it answers."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.delivery_ms: List[float] = []
        self.arrived: Dict[str, asyncio.Event] = {}
        self.replies: Dict[str, int] = {}
        self.forged = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        now = time.time()
        if not verify(self.secret, request.headers, body, now):
            self.forged += 1
            return web.Response(status=401)
        message = json.loads(body)
        self.delivery_ms.append((now - message["created"]) * 1000)
        answered = message.get("in_reply_to", "")
        self.replies[answered] = self.replies.get(answered, 0) + 1
        self.arrived.setdefault(answered, asyncio.Event()).set()
        return web.Response(status=200)


async def conversation(http: aiohttp.ClientSession, stack: Stack, receiver: Receiver,
                       messages: int, turn_ms: List[float]) -> None:
    sender = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {stack.settings.secret('REST_APP_TOKEN')}"}
    for text in ["你好", "我的快递到哪了", "KD202611230001", "谢谢"][:messages]:
        started = time.perf_counter()
        async with http.post(f"{stack.settings.rasa_url}/webhooks/rest/webhook", headers=headers,
                             json={"sender": sender, "message": text}) as reply:
            accepted = await reply.json()
            assert reply.status == 202, accepted
        if accepted["replies"]:
            arrived = receiver.arrived.setdefault(accepted["message_id"], asyncio.Event())
            await asyncio.wait_for(arrived.wait(), 60)
            turn_ms.append((time.perf_counter() - started) * 1000)


async def run(stack: Stack, receiver: Receiver, conversations: int, messages: int) -> List[float]:
    turn_ms: List[float] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        await asyncio.gather(*(conversation(http, stack, receiver, messages, turn_ms)
                               for _ in range(conversations)))
        # The last replies of each turn, which may come after its first.
        await asyncio.sleep(1.0)
    return turn_ms


async def serve_receiver(receiver: Receiver, port: int) -> web.AppRunner:
    app = web.Application()
    app.router.add_post("/callbacks", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=4, choices=range(1, 5))
    parser.add_argument("--target-ms", type=float, default=1000.0)
    arguments = parser.parse_args()
    port, secret = free_port(), secrets.token_urlsafe(24)
    os.environ.update(APP_CALLBACK_URL=f"http://127.0.0.1:{port}/callbacks",
                      APP_CALLBACK_SECRET=secret, HANDOFF_HOURS="00:00-24:00")
    receiver = Receiver(secret)
    with tempfile.TemporaryDirectory() as directory:
        stack = Stack.on_free_ports(ensure_model(), Path(directory))
        print("starting the assistant ...", flush=True)
        try:
            print(f"ready in {stack.start():.0f} s", flush=True)

            async def measured() -> List[float]:
                runner = await serve_receiver(receiver, port)
                try:
                    return await run(stack, receiver, arguments.conversations, arguments.messages)
                finally:
                    await runner.cleanup()

            turn_ms = asyncio.run(measured())
        finally:
            stack.stop()
    print(f"{arguments.conversations} conversations at once, {len(receiver.delivery_ms)} callbacks, "
          f"{receiver.forged} with a bad signature")
    p50, p95, p99 = percentiles(turn_ms)
    print(f"customer message → first reply by callback: p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
          f"p99 {p99:.0f} ms (the assistant's own time included)")
    met = report("callbacks", {"outbox → back-end": receiver.delivery_ms}, arguments.target_ms)
    sys.exit(0 if met and not receiver.forged else 1)


if __name__ == "__main__":
    main()
