"""Times IVR turns (/webhooks/ivr/turn) under 50 phone calls at once.

    .venv/bin/python -m commands.bench_ivr [--calls 50] [--target-ms 5000]

Starts the whole assistant on free ports with its own Redis. Each call is what an IVR
front end sends: the call starts (the menu), a key picks tracking, a parcel number is
keyed in, a question is asked by speech, and every turn is then sent once more, as an
IVR retries a turn it got no answer to (answered from the stored reply). The calls run
at once; each turn is timed from request to answer. Prints p50/p95/p99 in milliseconds
of the turns the assistant answers and of the repeated ones, and exits with 1 when the
p95 of the answered turns is over the target.
"""
import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

import aiohttp

from commands.latency import report
from commands.launcher import Stack
from commands.training import ensure_model

TURNS: List[Dict[str, Any]] = [
    {"event": "start"},
    {"digits": "1"},
    {"digits": "202611230001#"},
    {"text": "寄一个快递运费怎么算", "confidence": 0.9},
]


async def call(http: aiohttp.ClientSession, stack: Stack, number: int,
               answered_ms: List[float], repeated_ms: List[float]) -> None:
    url = f"{stack.settings.rasa_url}/webhooks/ivr/turn"
    headers = {"Authorization": f"Bearer {stack.settings.secret('REST_IVR_TOKEN')}"}
    base = {"call_id": uuid.uuid4().hex, "caller": f"139{number:08d}", "dialled": "95311", "locale": "zh-CN"}
    sent: List[Tuple[Dict[str, Any], Dict[str, Any]]] = []
    for turn_id, given in enumerate(TURNS, start=1):
        body = {**base, "turn_id": str(turn_id), **given}
        sent.append((body, await timed(http, url, headers, body, answered_ms)))
    for body, first in sent:
        assert await timed(http, url, headers, body, repeated_ms) == first, "a repeated turn was answered anew"


async def timed(http: aiohttp.ClientSession, url: str, headers: Dict[str, str], body: Dict[str, Any],
                durations: List[float]) -> Dict[str, Any]:
    started = time.perf_counter()
    async with http.post(url, headers=headers, json=body) as reply:
        answer = await reply.json()
        assert reply.status == 200, answer
    durations.append((time.perf_counter() - started) * 1000)
    return answer


async def run(stack: Stack, calls: int) -> Tuple[List[float], List[float]]:
    answered_ms: List[float] = []
    repeated_ms: List[float] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        # One call first, untimed: the first question loads the knowledge index (seconds).
        await call(http, stack, calls, [], [])
        await asyncio.gather(*(call(http, stack, number, answered_ms, repeated_ms) for number in range(calls)))
    return answered_ms, repeated_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=50)
    # IVR platforms wait about 5 s for a bot's answer before they give up on the turn.
    parser.add_argument("--target-ms", type=float, default=5000.0)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        stack = Stack.on_free_ports(ensure_model(), Path(directory))
        print("starting the assistant ...", flush=True)
        try:
            print(f"ready in {stack.start():.0f} s", flush=True)
            answered_ms, repeated_ms = asyncio.run(run(stack, arguments.calls))
        finally:
            stack.stop()
    print(f"{arguments.calls} calls at once, {len(TURNS)} turns each, every turn sent twice")
    met = report("IVR turns", {"answered": answered_ms}, arguments.target_ms)
    report("IVR turns", {"repeated": repeated_ms}, arguments.target_ms)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
