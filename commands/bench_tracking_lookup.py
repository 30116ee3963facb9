"""Times demo-carrier lookups: by tracking number and by phone.

    .venv/bin/python -m commands.bench_tracking_lookup [--by-number 5000] [--by-phone 1000]

Seeds a temporary demo store, runs random lookups one after another (as the action
server does), prints p50/p95/p99 in milliseconds for each kind, and exits with 1 when
a p95 is over the target (5 ms unless --target-ms says otherwise).
"""
import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Awaitable, Callable, List

from commands.latency import report
from actions.carrier.demo_carrier import DemoCarrier
from actions.carrier.demo_parcels import build_parcels
from actions.carrier.gateway import SHANGHAI

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
RANDOM_SEED = 7
# Some lookups by number ask for a number nobody has, as mistyping customers do.
UNKNOWN_SHARE = 0.1
UNKNOWN_NUMBER = "KD000000000000"


async def timed(
    name: str, lookup: Callable[[str], Awaitable[object]], keys: List[str]
) -> List[float]:
    """Milliseconds `lookup` took for each key, with a progress line."""
    durations = []
    for done, key in enumerate(keys, start=1):
        started = time.perf_counter()
        await lookup(key)
        durations.append((time.perf_counter() - started) * 1000)
        if done % 500 == 0 or done == len(keys):
            print(f"\r{name}: {done}/{len(keys)}", end="", flush=True)
    print()
    return durations



async def bench(by_number: int, by_phone: int, target_ms: float) -> bool:
    rng = random.Random(RANDOM_SEED)
    parcels = build_parcels(NOW)
    numbers = [
        UNKNOWN_NUMBER if rng.random() < UNKNOWN_SHARE else rng.choice(parcels).tracking_number
        for _ in range(by_number)
    ]
    phones = [rng.choice(parcels).recipient.phone for _ in range(by_phone)]
    with tempfile.TemporaryDirectory() as directory:
        carrier = DemoCarrier(f"sqlite:///{Path(directory) / 'carrier.db'}", clock=lambda: NOW)
        results = {
            "by tracking number": await timed("by tracking number", carrier.get_parcel, numbers),
            "by phone": await timed("by phone", carrier.find_parcels_by_phone, phones),
        }
        await carrier.close()

    return report("lookup", results, target_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--by-number", type=int, default=5000, help="lookups by tracking number")
    parser.add_argument("--by-phone", type=int, default=1000, help="lookups by phone")
    parser.add_argument("--target-ms", type=float, default=5.0, help="highest acceptable p95")
    arguments = parser.parse_args()
    met = asyncio.run(bench(arguments.by_number, arguments.by_phone, arguments.target_ms))
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
