"""A handoff service of its own for the tests of the supervisor's figures of today
(stack and browser): a case archive seeded with the business day the tests' fixed
clock (COURIER_CLOCK, tests/conftest.py) stands on, and a live queue under a key
prefix of its own: customers waiting, one taken by an agent, a callback left.

No Rasa is needed for the figures; the service gets an address nobody listens on."""
import asyncio
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from commands.processes import ChildProcess, free_port
from handoff.cases import ABANDONED, CaseArchive, ClosedCase
from handoff.queue import HandoffQueue, QueueSettings
from handoff.queue_records import Ticket
from services import delete_redis_keys, start_service, write_users_file

SHANGHAI = ZoneInfo("Asia/Shanghai")
USERS = {
    "ana": {"name": "Ana Li", "role": "agent", "skills": ["general"], "capacity": 2},
    "chen": {"name": "Chen Zhou", "role": "supervisor"},
}
SKILLS = ("general", "tracking")
# What the seeded day adds up to, as the page and the API must show it.
EXPECTED = {
    "day": "2026-11-18",
    "handoffs": 6,  # 3 archived today, 2 waiting, 1 with an agent
    "answered": 3,
    "abandoned": 1,
    "waiting": 2,
    "with_agents": 1,
    "answered_within_target": 2,  # waits 8 s, 12 s and 45 s; one customer left
    "service_level": 0.5,
    "wait_p50_seconds": 12.0,
    "wait_p95_seconds": 45.0,
    "average_rating": 4.5,
    "ratings": 2,
    "callbacks_left": 1,
}


@dataclass
class TodayService:
    url: str
    prefix: str
    redis_url: str
    database_url: str  # the case archive's
    process: ChildProcess

    def stop(self) -> None:
        self.process.stop()
        asyncio.run(delete_redis_keys(self.redis_url, self.prefix))


def shanghai(day: int, hour: int, minute: int = 0, second: int = 0) -> float:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI).timestamp()


def start_today_service(directory: Path, redis_url: str) -> TodayService:
    fixed_day = os.environ.get("COURIER_CLOCK", "")
    assert fixed_day.startswith(EXPECTED["day"]), f"the tests' clock moved ({fixed_day}); reseed this day"
    prefix = f"test-supervisor-today:{uuid.uuid4().hex[:8]}:"
    database_url = f"sqlite:///{directory / 'cases.db'}"
    seed_archive(database_url)
    asyncio.run(seed_queue(redis_url, QueueSettings(skills=SKILLS, key_prefix=prefix)))
    environment = {
        "REDIS_URL": redis_url,
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "HANDOFF_SECRET": uuid.uuid4().hex,
        "HANDOFF_USERS_FILE": str(write_users_file(directory / "users.yml", USERS)),
        "HANDOFF_DATABASE_URL": database_url,
        "KNOWLEDGE_DATABASE_URL": f"sqlite:///{directory / 'knowledge.db'}",
        "HANDOFF_KEY_PREFIX": prefix,
        "HANDOFF_SKILLS": ",".join(SKILLS),
        # The agent sends no heartbeats; their lease must outlast the test.
        "HANDOFF_LEASE_SECONDS": "3600",
    }
    process, url = start_service(
        "handoff service (today's figures)", [sys.executable, "-m", "handoff.service"], "HANDOFF_PORT",
        environment, directory / "handoff.log", 120,
    )
    return TodayService(url, prefix, redis_url, database_url, process)


def seed_archive(database_url: str) -> None:
    archive = CaseArchive(database_url)
    try:
        answered(archive, "quick", shanghai(18, 8, 10), waited=8, rating=5, rated_at=shanghai(18, 8, 30))
        answered(archive, "slow", shanghai(18, 8, 40), waited=45, rating=4, rated_at=shanghai(18, 9, 10))
        archive.archive(case("left", shanghai(18, 9), category=ABANDONED, closed_at=shanghai(18, 9, 1, 30)))
        # Yesterday evening's, rated then: in none of today's figures.
        answered(archive, "yesterday", shanghai(17, 21), waited=3, rating=1, rated_at=shanghai(17, 21, 30))
    finally:
        archive.close()


def answered(archive: CaseArchive, name: str, enqueued: float, waited: float, rating: int, rated_at: float) -> None:
    archive.archive(case(name, enqueued, category="resolved", agent_id="ana",
                         assigned_at=enqueued + waited, closed_at=enqueued + waited + 300))
    archive.set_rating(name, rating, now=rated_at)


def case(name: str, enqueued: float, **fields) -> ClosedCase:
    return ClosedCase(conversation_id=name, customer_key=f"conversation:{name}", reason="general",
                      skill="general", priority=2, department="customer_service", enqueued_at=enqueued, **fields)


async def seed_queue(redis_url: str, settings: QueueSettings) -> None:
    """Ana took a customer at 09:59:12 who came at 09:59:00 (the fixed clock says
    10:00); two customers wait for the tracking team; a callback was left."""
    queue = HandoffQueue.from_url(redis_url, settings)
    try:
        await queue.register_agent("ana", ["general"], capacity=2)
        await queue.enqueue(Ticket("taken", "general", 2, reason="general"), now=shanghai(18, 9, 59))
        taken = await queue.claim_next("ana", now=shanghai(18, 9, 59, 12))
        assert taken is not None and taken.conversation_id == "taken"
        for name in ("waiting-1", "waiting-2"):
            await queue.enqueue(Ticket(name, "tracking", 1, reason="parcel_exception"))
        await queue.leave_callback(Ticket("after-hours", "tracking", 1, reason="general"), "请明早回电")
    finally:
        await queue.disconnect()
