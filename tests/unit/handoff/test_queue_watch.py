"""The queue watch's leases around a Redis outage (handoff/service/queue_watch.py), with a
stand-in queue that can be made to fail like a Redis that is down."""
import asyncio
import time
from typing import List, Optional

import pytest
from redis.exceptions import ConnectionError

from handoff.queue import QueueSettings
from handoff.service import queue_watch
from handoff.service.queue_watch import QueueWatch

LEASE_SECONDS = 0.3


class Queue:
    """When down, every call fails as with Redis down; records when leases were judged."""

    def __init__(self) -> None:
        self.settings = QueueSettings(lease_seconds=LEASE_SECONDS)
        self.down = False
        self.judged: List[float] = []

    async def expire_leases(self, now: Optional[float] = None) -> list:
        self._answer()
        self.judged.append(time.time() if now is None else now)
        return []

    async def overdue(self) -> list:
        self._answer()
        return []

    def _answer(self) -> None:
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379.")


class Notices:
    async def take_turn(self, seconds: float) -> bool:
        return False


@pytest.fixture(autouse=True)
def quick_ticks(monkeypatch):
    monkeypatch.setattr(queue_watch, "TICK_SECONDS", 0.01)


def watched(scenario) -> Queue:
    """Runs the watch on a stand-in queue while `scenario(queue)` runs."""
    queue = Queue()

    async def main() -> None:
        watch = QueueWatch(queue, None, None, None, Notices(), False, 30.0)
        task = asyncio.create_task(watch.run())
        try:
            await scenario(queue)
        finally:
            task.cancel()

    asyncio.run(main())
    return queue


async def until(check, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


def test_leases_run_out_at_every_tick_while_redis_answers():
    async def scenario(queue: Queue) -> None:
        await until(lambda: len(queue.judged) >= 3)

    assert len(watched(scenario).judged) >= 3


def test_after_a_redis_outage_leases_run_out_again_only_a_lease_later():
    back = []

    async def scenario(queue: Queue) -> None:
        await until(lambda: queue.judged)
        queue.down = True
        await asyncio.sleep(2 * LEASE_SECONDS)  # no console could renew its lease
        queue.judged.clear()
        back.append(time.time())
        queue.down = False
        await until(lambda: queue.judged)

    queue = watched(scenario)
    # Time for every open console to send a heartbeat first; then the watch goes on.
    assert queue.judged and queue.judged[0] >= back[0] + LEASE_SECONDS


class Recorder:
    """Stands in for the consoles' hub, the alerts and the customer messenger."""

    def __init__(self) -> None:
        self.joined = []

    async def publish(self, *_args, **_kwargs) -> None:
        pass

    async def clear(self, *_args) -> None:
        pass

    async def agent_joined(self, conversation_id: str, name: str, language: str) -> None:
        self.joined.append((conversation_id, name, language))


class PushQueue:
    settings = QueueSettings(skills=("general",))

    def __init__(self, tickets) -> None:
        self.tickets = list(tickets)

    async def assign_next(self, skill: str):
        return self.tickets.pop(0) if self.tickets else None


def test_push_assignment_tells_each_customer_the_agents_name():
    from handoff.queue_records import Ticket

    queue = PushQueue([
        Ticket("web:1", "general", 1, language="zh-Hans", agent_id="agent1"),
        Ticket("web:2", "general", 1, language="zh-Hant", agent_id="agent2"),
    ])
    recorder = Recorder()
    watch = QueueWatch(queue, recorder, recorder, recorder, Notices(), True, 30.0)
    watch.agent_name = {"agent1": "小王"}.get

    asyncio.run(watch.assign_waiting(["general"]))
    assert recorder.joined == [("web:1", "小王", "zh-Hans"), ("web:2", "agent2", "zh-Hant")]
