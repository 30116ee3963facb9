"""Times the handoff queue from a customer asking for a human to an agent having the chat.

    .venv/bin/python -m commands.bench_handoff_queue [--rounds 2000] [--backlog 1000]

Uses the Redis at REDIS_URL, or an embedded one in a temporary directory when it is
unset. A backlog of ordinary conversations waits in the tracking queue and a team of
agents is online, so the scripts work on realistically sized keys. Each round queues one
urgent conversation and has it taken, one round after another: once by an agent pulling
it (enqueue, then claim_next) and once by the queue pushing it (enqueue, then
assign_next). Prints p50/p95/p99 in milliseconds for each way, and exits with 1 when a
p95 is over the target (5 ms unless --target-ms says otherwise).
"""
import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Awaitable, Callable, List, Optional

from tqdm import tqdm

from commands.redis_server import start_embedded_redis
from commands.latency import report
from handoff.queue import HandoffQueue, QueueSettings
from handoff.queue_records import Ticket

SKILL = "tracking"
TEAM_SIZE = 20
PULLING_AGENT = "bench-agent-00"
# As handoff/routing.yml has them: a complaint, and an ordinary request.
URGENT, NORMAL = 1, 3


async def timed(
    name: str,
    hand_over: Callable[[str], Awaitable[Optional[Ticket]]],
    queue: HandoffQueue,
    rounds: int,
) -> List[float]:
    """Milliseconds each hand-over took, checking every time that the right chat moved."""
    durations = []
    for number in tqdm(range(rounds), desc=name, unit="round"):
        conversation_id = f"{name}-{number}"
        started = time.perf_counter()
        ticket = await hand_over(conversation_id)
        durations.append((time.perf_counter() - started) * 1000)
        if ticket is None or ticket.conversation_id != conversation_id:
            raise RuntimeError(f"{name}: {conversation_id} was not handed over, got {ticket}")
        await queue.close(conversation_id)  # untimed: frees the agent for the next round
    return durations



async def bench(redis_url: str, rounds: int, backlog: int, target_ms: float) -> bool:
    settings = QueueSettings(key_prefix=f"bench-handoff:{uuid.uuid4().hex}:")
    queue = HandoffQueue.from_url(redis_url, settings)

    async def pulled(conversation_id: str) -> Optional[Ticket]:
        await queue.enqueue(Ticket(conversation_id, SKILL, URGENT))
        return await queue.claim_next(PULLING_AGENT)

    async def pushed(conversation_id: str) -> Optional[Ticket]:
        await queue.enqueue(Ticket(conversation_id, SKILL, URGENT))
        return await queue.assign_next(SKILL)

    try:
        for number in range(TEAM_SIZE):
            await queue.register_agent(f"bench-agent-{number:02d}", [SKILL])
        for number in tqdm(range(backlog), desc="backlog", unit="conversation"):
            await queue.enqueue(Ticket(f"backlog-{number}", SKILL, NORMAL))
        results = {
            "pull (claim_next)": await timed("pull", pulled, queue, rounds),
            "push (assign_next)": await timed("push", pushed, queue, rounds),
        }
    finally:
        keys = [key async for key in queue.redis.scan_iter(match=settings.key_prefix + "*")]
        if keys:
            await queue.redis.delete(*keys)
        await queue.disconnect()

    print(f"enqueue -> agent has the chat, {backlog} waiting behind, {TEAM_SIZE} agents online")
    return report("hand-over", results, target_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="hand-overs timed each way")
    parser.add_argument("--backlog", type=int, default=1000, help="conversations left waiting")
    parser.add_argument("--target-ms", type=float, default=5.0, help="highest acceptable p95")
    arguments = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL")
    with tempfile.TemporaryDirectory() as directory:
        server = None if redis_url else start_embedded_redis(Path(directory))
        try:
            met = asyncio.run(
                bench(
                    redis_url or server.url,
                    arguments.rounds,
                    arguments.backlog,
                    arguments.target_ms,
                )
            )
        finally:
            if server:
                server.stop()
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
