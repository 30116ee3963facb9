"""The handoff queue against a real Redis (REDIS_URL, else an embedded one).

Each test runs under its own random key prefix and deletes its keys afterwards. The
clock is fixed through the `now` arguments.
"""
import asyncio
import random
import uuid
from collections import Counter, defaultdict
from typing import Awaitable, Callable, Dict, List
from urllib.parse import urlsplit

import pytest

from commands.redis_server import start_embedded_redis
from handoff.queue import (
    DEFAULT_SKILLS,
    ESCALATED_PRIORITY,
    AgentUnavailable,
    HandoffQueue,
    NotAssigned,
    QueueSettings,
    UnknownAgent,
    UnknownConversation,
)
from handoff.queue_records import Breach, Overdue, Presence, Requeued, Ticket

T0 = 1_800_000_000.0
# As handoff/routing.yml has them: a VIP, a complaint or parcel exception, an ordinary request.
VIP, URGENT, NORMAL = 0, 1, 3


def run(
    redis_url: str, scenario: Callable[[HandoffQueue], Awaitable[None]], **settings
) -> None:
    async def main() -> None:
        prefix = f"test-handoff:{uuid.uuid4().hex}:"
        queue = HandoffQueue.from_url(redis_url, QueueSettings(key_prefix=prefix, **settings))
        try:
            await scenario(queue)
        finally:
            keys = [key async for key in queue.redis.scan_iter(match=prefix + "*")]
            if keys:
                await queue.redis.delete(*keys)
            await queue.disconnect()

    asyncio.run(main())


async def claim_ids(queue: HandoffQueue, agent: str, count: int, now: float) -> List[str]:
    claimed = []
    for _ in range(count):
        ticket = await queue.claim_next(agent, now=now)
        claimed.append(ticket.conversation_id)
    return claimed


def test_urgent_conversations_come_first_and_each_priority_is_first_come_first_served(
    redis_url,
):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking"], capacity=10, now=T0)
        await queue.enqueue(Ticket("normal-1", "tracking", NORMAL), now=T0 + 1)
        await queue.enqueue(Ticket("vip", "tracking", VIP, "vip"), now=T0 + 2)
        await queue.enqueue(Ticket("normal-2", "tracking", NORMAL), now=T0 + 3)
        await queue.enqueue(
            Ticket("complaint", "tracking", URGENT, "complaint"), now=T0 + 4
        )
        await queue.enqueue(
            Ticket("exception", "tracking", URGENT, "parcel_exception"), now=T0 + 5
        )
        assert await queue.position("vip") == 1
        assert await queue.position("normal-1") == 4

        assert await claim_ids(queue, "ana", 5, now=T0 + 10) == [
            "vip", "complaint", "exception", "normal-1", "normal-2"
        ]
        assert await queue.claim_next("ana", now=T0 + 10) is None

    run(redis_url, scenario)


def test_the_agent_gets_the_most_urgent_conversation_across_their_skills(redis_url):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking", "returns"], capacity=10, now=T0)
        await queue.enqueue(Ticket("old-tracking", "tracking", NORMAL), now=T0 + 1)
        await queue.enqueue(Ticket("new-returns", "returns", NORMAL), now=T0 + 2)
        await queue.enqueue(Ticket("urgent-returns", "returns", URGENT), now=T0 + 3)
        await queue.enqueue(Ticket("general", "general", URGENT), now=T0)

        assert await claim_ids(queue, "ana", 3, now=T0 + 5) == [
            "urgent-returns", "old-tracking", "new-returns"
        ]
        assert await queue.claim_next("ana", now=T0 + 5) is None

    run(redis_url, scenario)


def test_enqueue_is_idempotent_while_waiting_and_while_assigned(redis_url):
    async def scenario(queue):
        first = await queue.enqueue(Ticket("c1", "tracking", NORMAL, reason="first"), now=T0)
        again = await queue.enqueue(
            Ticket("c1", "tracking", URGENT, reason="second"), now=T0 + 5
        )
        assert first.created and not again.created
        assert again.position == 1
        assert (again.ticket.reason, again.ticket.priority, again.ticket.enqueued_at) == (
            "first", NORMAL, T0
        )
        assert await queue.waiting_in_line("tracking") == ["c1"]

        await queue.register_agent("ana", ["tracking"], now=T0)
        assert (await queue.claim_next("ana", now=T0 + 6)).conversation_id == "c1"
        while_assigned = await queue.enqueue(Ticket("c1", "tracking", NORMAL), now=T0 + 7)
        assert not while_assigned.created
        assert while_assigned.position is None
        assert while_assigned.ticket.agent_id == "ana"
        assert (while_assigned.ticket.assigned_at, while_assigned.ticket.waiting_since) == (T0 + 6, None)
        assert await queue.waiting_in_line("tracking") == []
        assert await queue.chats_of("ana") == ["c1"]
        await queue.register_agent("bo", ["tracking"], now=T0)
        assert await queue.claim_next("bo", now=T0 + 8) is None

        # Once the handoff is over, the same conversation may ask for a human again.
        assert await queue.close("c1")
        assert (await queue.enqueue(Ticket("c1", "tracking", NORMAL), now=T0 + 9)).created

        # Many requests for the same conversation at once still queue it once.
        placements = await asyncio.gather(
            *(queue.enqueue(Ticket("c2", "returns", NORMAL), now=T0 + 10) for _ in range(20))
        )
        assert sum(p.created for p in placements) == 1
        assert await queue.waiting_in_line("returns") == ["c2"]
        tickets = await queue.tickets(["c2", "never-handed-off", "c1"])
        assert [ticket and (ticket.conversation_id, ticket.waiting_since) for ticket in tickets] == [
            ("c2", T0 + 10), None, ("c1", T0 + 9)
        ]

    run(redis_url, scenario)


def test_fifty_concurrent_claimers_serve_each_conversation_exactly_once(redis_url):
    agents = [f"agent-{number:02d}" for number in range(25)]
    consoles = [agent for agent in agents for _ in range(2)]  # two tabs each: 50 claimers
    conversations = [f"conversation-{number:04d}" for number in range(1000)]
    capacity = 10
    claims: Dict[str, List[str]] = defaultdict(list)

    async def claim_until_refused(queue, agent, held):
        while True:
            ticket = await queue.claim_next(agent, now=T0 + 100)
            if ticket is None:
                return
            claims[ticket.conversation_id].append(agent)
            held.append(ticket.conversation_id)

    async def work_through(queue, agent, held):
        """Closes a chat whenever there is no room, until it holds nothing and gets nothing."""
        while True:
            await claim_until_refused(queue, agent, held)
            if not held:
                return
            await queue.close(held.pop(0))

    async def scenario(queue):
        rng = random.Random(11)
        for number, conversation in enumerate(conversations):
            await queue.enqueue(
                Ticket(conversation, rng.choice(DEFAULT_SKILLS), rng.randint(0, 3)),
                now=T0 + number / 100,
            )
        for agent in agents:
            await queue.register_agent(agent, DEFAULT_SKILLS, capacity=capacity, now=T0)
        held = [[] for _ in consoles]

        # First every claimer at once until refused: every agent is exactly full.
        await asyncio.gather(
            *(claim_until_refused(queue, agent, mine) for agent, mine in zip(consoles, held))
        )
        loads = Counter(agent for owners in claims.values() for agent in owners)
        assert loads == {agent: capacity for agent in agents}
        for agent in agents:
            assert len(await queue.chats_of(agent)) == capacity
        assert all(len(owners) == 1 for owners in claims.values())

        # Then they work the queue empty, closing chats to make room.
        await asyncio.gather(
            *(work_through(queue, agent, mine) for agent, mine in zip(consoles, held))
        )
        assert sorted(claims) == conversations
        assert [c for c, owners in claims.items() if len(owners) != 1] == []
        stats = await queue.stats(now=T0 + 100)
        assert all(skill.waiting == 0 for skill in stats.skills.values())
        assert all(agent.load == 0 for agent in stats.agents)

    run(redis_url, scenario)


def test_push_assignment_goes_to_the_least_busy_agent_then_the_longest_idle(redis_url):
    async def scenario(queue):
        for agent in ("ana", "bo", "cy"):
            await queue.register_agent(agent, ["tracking"], capacity=3, now=T0)
        await queue.register_agent("dee", ["returns"], capacity=3, now=T0)
        for number in range(4):
            await queue.enqueue(Ticket(f"old-{number}", "tracking", NORMAL), now=T0 + number)
        await claim_ids(queue, "ana", 2, now=T0 + 10)
        await claim_ids(queue, "bo", 1, now=T0 + 11)
        await claim_ids(queue, "cy", 1, now=T0 + 12)
        for number in range(6):
            await queue.enqueue(Ticket(f"new-{number}", "tracking", NORMAL), now=T0 + 20 + number)

        async def push(now):
            ticket = await queue.assign_next("tracking", now=now)
            return ticket.conversation_id, ticket.agent_id

        # Loads ana 2, bo 1, cy 1: bo and cy tie and bo has been idle longer.
        assert await push(T0 + 30) == ("new-0", "bo")
        # Loads 2, 2, 1.
        assert await push(T0 + 31) == ("new-1", "cy")
        # All at 2; ana's last assignment is the oldest, then bo's, then cy's.
        assert await push(T0 + 32) == ("new-2", "ana")
        assert await push(T0 + 33) == ("new-3", "bo")
        assert await push(T0 + 34) == ("new-4", "cy")
        # Everyone is full; dee has room but not the skill.
        assert await queue.assign_next("tracking", now=T0 + 35) is None
        assert await queue.position("new-5") == 1

        # Equal load and never assigned: the lowest agent id.
        await queue.register_agent("zed", ["complaints"], now=T0)
        await queue.register_agent("yan", ["complaints"], now=T0)
        await queue.enqueue(Ticket("complaint", "complaints", NORMAL), now=T0 + 40)
        assert (await queue.assign_next("complaints", now=T0 + 41)).agent_id == "yan"
        assert await queue.assign_next("complaints", now=T0 + 42) is None

    run(redis_url, scenario)


def test_away_and_offline_agents_get_no_conversations(redis_url):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking"], presence=Presence.AWAY, now=T0)
        await queue.register_agent("bo", ["tracking"], presence=Presence.OFFLINE, now=T0)
        await queue.register_agent("dee", ["returns"], now=T0)
        await queue.enqueue(Ticket("c1", "tracking", NORMAL), now=T0 + 1)

        assert await queue.claim_next("ana", now=T0 + 2) is None
        assert await queue.claim_next("bo", now=T0 + 2) is None
        assert await queue.claim_next("dee", now=T0 + 2) is None
        assert await queue.claim_next("nobody", now=T0 + 2) is None
        assert await queue.assign_next("tracking", now=T0 + 2) is None
        assert not await queue.anyone_online("tracking")
        assert await queue.position("c1") == 1

        await queue.set_presence("ana", Presence.ONLINE, now=T0 + 3)
        assert (await queue.claim_next("ana", now=T0 + 4)).conversation_id == "c1"
        # Away keeps the chats already taken.
        await queue.enqueue(Ticket("c2", "tracking", NORMAL), now=T0 + 5)
        await queue.set_presence("ana", Presence.AWAY, now=T0 + 6)
        assert (await queue.ticket("c1")).agent_id == "ana"
        assert await queue.claim_next("ana", now=T0 + 7) is None
        with pytest.raises(UnknownAgent):
            await queue.set_presence("nobody", Presence.ONLINE, now=T0 + 7)

    run(redis_url, scenario)


def test_agent_capacity_is_respected_by_claim_push_and_transfer(redis_url):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking"], capacity=2, now=T0)
        for number in range(3):
            await queue.enqueue(Ticket(f"c{number}", "tracking", NORMAL), now=T0 + number)

        assert await claim_ids(queue, "ana", 2, now=T0 + 10) == ["c0", "c1"]
        assert await queue.claim_next("ana", now=T0 + 11) is None
        assert await queue.assign_next("tracking", now=T0 + 11) is None
        with pytest.raises(AgentUnavailable):
            await queue.transfer("c2", agent_id="ana", now=T0 + 11)
        assert await queue.position("c2") == 1

        assert await queue.close("c0")
        assert not await queue.close("c0")
        assert (await queue.claim_next("ana", now=T0 + 12)).conversation_id == "c2"
        assert (await queue.stats(now=T0 + 12)).agents[0].load == 2

    run(redis_url, scenario)


def test_an_expired_lease_requeues_the_chats_at_the_front_and_takes_the_agent_offline(
    redis_url,
):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking"], capacity=2, now=T0)
        await queue.register_agent("bo", ["tracking"], capacity=2, presence=Presence.AWAY, now=T0)
        await queue.enqueue(Ticket("lost-1", "tracking", NORMAL), now=T0 + 1)
        await queue.enqueue(Ticket("lost-2", "tracking", NORMAL), now=T0 + 2)
        await claim_ids(queue, "ana", 2, now=T0 + 3)
        # Queued after ana took hers, by a bot instance whose clock runs 5 s behind.
        await queue.enqueue(Ticket("skewed", "tracking", NORMAL), now=T0 - 2)
        await queue.enqueue(Ticket("later", "tracking", NORMAL), now=T0 + 4)
        await queue.enqueue(Ticket("urgent", "tracking", URGENT), now=T0 + 5)

        assert await queue.heartbeat("ana", now=T0 + 10)
        assert await queue.heartbeat("bo", now=T0 + 25)
        # Exactly the lease's age is not yet older than the lease.
        assert await queue.expire_leases(now=T0 + 40) == []

        requeued = await queue.expire_leases(now=T0 + 41)
        assert sorted(requeued, key=lambda r: r.conversation_id) == [
            Requeued("lost-1", "tracking", "ana", 2),
            Requeued("lost-2", "tracking", "ana", 3),
        ]
        for position, conversation in enumerate(
            ["urgent", "lost-1", "lost-2", "skewed", "later"], start=1
        ):
            assert await queue.position(conversation) == position
        ana = (await queue.stats(now=T0 + 41)).agents[0]
        assert (ana.agent_id, ana.presence, ana.load) == ("ana", Presence.OFFLINE, 0)
        assert not await queue.heartbeat("ana", now=T0 + 42)
        assert await queue.claim_next("ana", now=T0 + 42) is None
        assert await queue.expire_leases(now=T0 + 42) == []

        await queue.set_presence("bo", Presence.ONLINE, now=T0 + 43)
        assert await claim_ids(queue, "bo", 2, now=T0 + 43) == ["urgent", "lost-1"]
        assert (await queue.ticket("lost-1")).agent_id == "bo"

    run(redis_url, scenario, lease_seconds=30)


def test_going_offline_hands_the_chats_back(redis_url):
    async def scenario(queue):
        await queue.register_agent("ana", ["returns"], now=T0)
        await queue.enqueue(Ticket("c1", "returns", NORMAL), now=T0 + 1)
        await queue.claim_next("ana", now=T0 + 2)
        assert await queue.set_presence("ana", Presence.OFFLINE, now=T0 + 3) == [
            Requeued("c1", "returns", "ana", 1)
        ]
        assert (await queue.ticket("c1")).state == "waiting"

    run(redis_url, scenario)


def test_transfer_to_another_skill_goes_to_the_front_and_to_an_agent_directly(redis_url):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking"], now=T0)
        await queue.register_agent("bo", ["returns"], capacity=1, now=T0)
        await queue.enqueue(Ticket("r1", "returns", NORMAL), now=T0 + 1)
        await queue.enqueue(Ticket("r2", "returns", NORMAL), now=T0 + 2)
        await queue.enqueue(
            Ticket("t1", "tracking", NORMAL, context={"waybill": "KD1"}), now=T0 + 3
        )
        await queue.claim_next("ana", now=T0 + 4)

        moved = await queue.transfer("t1", skill="returns", now=T0 + 5)
        assert (moved.ticket.skill, moved.ticket.state, moved.ticket.agent_id) == (
            "returns", "waiting", None
        )
        assert moved.position == 1
        assert moved.ticket.context == {"waybill": "KD1"}
        assert [await queue.position(c) for c in ("t1", "r1", "r2")] == [1, 2, 3]
        assert (await queue.stats(now=T0 + 5)).agents[0].load == 0

        # A waiting conversation moves between queues too.
        await queue.transfer("r2", skill="complaints", now=T0 + 6)
        assert await queue.waiting_in_line("returns") == ["t1", "r1"]
        assert await queue.position("r2") == 1

        direct = await queue.transfer("r1", agent_id="bo", now=T0 + 7)
        assert (direct.ticket.agent_id, direct.ticket.state, direct.position) == (
            "bo", "assigned", None
        )
        assert await queue.position("t1") == 1
        with pytest.raises(AgentUnavailable):
            await queue.transfer("t1", agent_id="bo", now=T0 + 8)
        # Away from bo to ana, whose skills do not matter for a direct transfer.
        await queue.transfer("r1", agent_id="ana", now=T0 + 9)
        assert (await queue.ticket("r1")).agent_id == "ana"
        assert (await queue.claim_next("bo", now=T0 + 10)).conversation_id == "t1"

        with pytest.raises(UnknownConversation):
            await queue.transfer("nobody", skill="general", now=T0 + 11)
        with pytest.raises(ValueError):
            await queue.transfer("t1", skill="general", agent_id="ana", now=T0 + 11)

    run(redis_url, scenario)


def test_an_agent_whose_lease_ran_out_cannot_close_pass_on_or_answer_the_chat_another_agent_claimed(
    redis_url,
):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking"], now=T0)
        await queue.register_agent("bo", ["tracking"], now=T0)
        await queue.enqueue(Ticket("c1", "tracking", NORMAL, context={"summary": "lost"}), now=T0 + 1)
        assert (await queue.claim_next("ana", now=T0 + 2)).conversation_id == "c1"
        await queue.heartbeat("bo", now=T0 + 40)
        # Ana's console went quiet: her lease runs out and bo takes the customer.
        assert [r.conversation_id for r in await queue.expire_leases(now=T0 + 41)] == ["c1"]
        assert (await queue.claim_next("bo", now=T0 + 42)).conversation_id == "c1"

        # Ana's requests, checked by the service a moment before, arrive now.
        with pytest.raises(NotAssigned):
            await queue.close("c1", by_agent="ana")
        with pytest.raises(NotAssigned):
            await queue.transfer("c1", skill="returns", by_agent="ana", now=T0 + 43)
        with pytest.raises(NotAssigned):
            await queue.transfer("c1", agent_id="ana", by_agent="ana", now=T0 + 43)
        with pytest.raises(NotAssigned):
            await queue.record_agent_reply("c1", by_agent="ana", now=T0 + 43)

        ticket = await queue.ticket("c1")
        assert (ticket.state, ticket.agent_id, ticket.skill) == ("assigned", "bo", "tracking")
        assert ticket.last_agent_reply_at is None  # bo's no-reply watch still runs
        assert await queue.chats_of("bo") == ["c1"] and await queue.chats_of("ana") == []
        # Bo, and a supervisor (no by_agent), still act on it.
        assert await queue.record_agent_reply("c1", by_agent="bo", now=T0 + 44)
        closed = await queue.close("c1", by_agent="bo")
        assert (closed.agent_id, closed.context) == ("bo", {"summary": "lost"})
        assert await queue.close("c1") is None

    run(redis_url, scenario, lease_seconds=30)


def test_a_close_that_could_not_finish_gives_the_conversation_back(redis_url):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking"], capacity=1, now=T0)
        await queue.enqueue(Ticket("c1", "tracking", NORMAL, context={"summary": "lost"}), now=T0 + 1)
        await queue.enqueue(Ticket("c2", "tracking", NORMAL), now=T0 + 2)
        await queue.claim_next("ana", now=T0 + 3)
        closed = await queue.close("c1", by_agent="ana")
        assert await queue.ticket("c1") is None

        assert await queue.reopen(closed, now=T0 + 4)
        assert await queue.ticket("c1") == closed
        assert await queue.chats_of("ana") == ["c1"]
        assert await queue.claim_next("ana", now=T0 + 5) is None  # her slot is taken again
        # Still watched for a first reply, from when she took it.
        assert [o.conversation_id for o in await queue.overdue(now=T0 + 3 + 61)] == ["c1"]
        assert not await queue.reopen(closed, now=T0 + 6)  # it is there: left alone

        # Her agent gone offline meanwhile, it goes to the front of the queue.
        closed = await queue.close("c1", by_agent="ana")
        await queue.set_presence("ana", Presence.OFFLINE, now=T0 + 7)
        assert await queue.reopen(closed, now=T0 + 8)
        reopened = await queue.ticket("c1")
        assert (reopened.state, reopened.agent_id) == ("waiting", None)
        assert await queue.waiting_in_line("tracking") == ["c1", "c2"]

    run(redis_url, scenario, sla_wait_seconds=600, sla_reply_seconds=60)


def test_waiting_too_long_is_raised_once_and_moves_to_the_top(redis_url):
    async def scenario(queue):
        await queue.enqueue(Ticket("slow", "tracking", NORMAL), now=T0)
        await queue.enqueue(Ticket("fresh", "tracking", NORMAL), now=T0 + 50)
        await queue.enqueue(Ticket("vip", "tracking", URGENT), now=T0 + 55)
        assert await queue.overdue(now=T0 + 60) == []

        assert await queue.overdue(now=T0 + 61) == [
            Overdue("slow", Breach.WAITING, "tracking", None, T0)
        ]
        assert await queue.overdue(now=T0 + 62) == []
        assert await queue.overdue(now=T0 + 100) == []
        slow = await queue.ticket("slow")
        assert (slow.priority, slow.escalated_at) == (ESCALATED_PRIORITY, T0 + 61)
        assert [await queue.position(c) for c in ("slow", "vip", "fresh")] == [1, 2, 3]

        # Once escalated, never raised again: not for waiting, nor for a silent agent.
        await queue.register_agent("ana", ["tracking"], now=T0 + 100)
        assert (await queue.claim_next("ana", now=T0 + 100)).conversation_id == "slow"
        raised = await queue.overdue(now=T0 + 1000)
        assert sorted(o.conversation_id for o in raised) == ["fresh", "vip"]

    run(redis_url, scenario, sla_wait_seconds=60, sla_reply_seconds=30)


def test_an_agent_not_replying_is_raised_once(redis_url):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking"], now=T0)
        await queue.enqueue(Ticket("silent", "tracking", NORMAL), now=T0)
        await queue.enqueue(Ticket("answered", "tracking", NORMAL), now=T0)
        await queue.enqueue(Ticket("waiting", "tracking", NORMAL), now=T0 + 1)
        await claim_ids(queue, "ana", 2, now=T0 + 1)
        assert await queue.record_agent_reply("answered", now=T0 + 10)
        assert not await queue.record_agent_reply("waiting", now=T0 + 10)

        assert await queue.overdue(now=T0 + 31) == []
        assert await queue.overdue(now=T0 + 32) == [
            Overdue("silent", Breach.NO_REPLY, "tracking", "ana", T0 + 1)
        ]
        assert await queue.overdue(now=T0 + 60) == []
        silent = await queue.ticket("silent")
        assert (silent.priority, silent.agent_id) == (ESCALATED_PRIORITY, "ana")
        assert (await queue.ticket("answered")).priority == NORMAL

    run(redis_url, scenario, sla_wait_seconds=600, sla_reply_seconds=30)


def test_callback_tickets_are_kept_until_closed(redis_url):
    async def scenario(queue):
        assert not await queue.anyone_online("returns")
        await queue.enqueue(Ticket("waited", "returns", NORMAL), now=T0)
        first = await queue.leave_callback(
            Ticket("waited", "returns", NORMAL, reason="refund"), "請明天上午回電", now=T0 + 60
        )
        night = Ticket(
            "night", "complaints", URGENT, "complaint", "web", "zh-TW",
            context={"phone": "0912345678"},
        )
        await queue.leave_callback(night, "parcel damaged", now=T0 + 70)
        # The customer who chose a call back has left the queue.
        assert await queue.ticket("waited") is None
        assert (await queue.stats(now=T0 + 70)).skills["returns"].waiting == 0

        callbacks = await queue.callbacks()
        assert [(c.ticket.conversation_id, c.message, c.left_at) for c in callbacks] == [
            ("waited", "請明天上午回電", T0 + 60), ("night", "parcel damaged", T0 + 70)
        ]
        kept = callbacks[1].ticket
        assert (kept.skill, kept.priority, kept.reason, kept.channel, kept.language) == (
            "complaints", URGENT, "complaint", "web", "zh-TW"
        )
        assert kept.context == {"phone": "0912345678"}

        assert await queue.close_callback(first)
        assert not await queue.close_callback(first)
        assert [c.ticket.conversation_id for c in await queue.callbacks()] == ["night"]

        await queue.register_agent("ana", ["returns"], presence=Presence.AWAY, now=T0)
        assert not await queue.anyone_online("returns")
        await queue.set_presence("ana", Presence.ONLINE, now=T0)
        assert await queue.anyone_online("returns")

    run(redis_url, scenario)


def test_position_and_estimated_wait(redis_url):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking"], now=T0)
        await queue.register_agent("bo", ["tracking"], now=T0)
        await queue.register_agent("cy", ["tracking"], presence=Presence.AWAY, now=T0)
        await queue.register_agent("dee", ["returns"], now=T0)
        placements = [
            await queue.enqueue(Ticket(f"c{number}", "tracking", NORMAL), now=T0 + number)
            for number in range(3)
        ]
        # ceil(position * 300 s / 2 online agents of the skill)
        assert [(p.position, p.estimated_wait_seconds) for p in placements] == [
            (1, 150), (2, 300), (3, 450)
        ]
        assert await queue.position("c2") == 3
        assert await queue.estimated_wait_seconds("c2") == 450

        await queue.set_presence("bo", Presence.OFFLINE, now=T0)
        assert await queue.estimated_wait_seconds("c2") == 900
        await queue.claim_next("ana", now=T0 + 5)
        assert (await queue.position("c2"), await queue.estimated_wait_seconds("c2")) == (2, 600)
        assert await queue.position("c0") is None
        assert await queue.estimated_wait_seconds("c0") is None
        assert await queue.position("nobody") is None

        await queue.set_presence("ana", Presence.AWAY, now=T0)
        assert await queue.estimated_wait_seconds("c2") is None

    run(redis_url, scenario, average_handling_seconds=300)


def test_stats_snapshot_for_the_supervisor(redis_url):
    async def scenario(queue):
        await queue.register_agent("ana", ["tracking", "returns"], capacity=3, now=T0)
        await queue.register_agent("bo", ["general"], capacity=2, presence=Presence.AWAY, now=T0)
        await queue.enqueue(Ticket("t1", "tracking", NORMAL), now=T0)
        await queue.enqueue(Ticket("t2", "tracking", URGENT), now=T0 + 10)
        await queue.enqueue(Ticket("t3", "tracking", NORMAL), now=T0 + 15)
        await queue.claim_next("ana", now=T0 + 20)  # t2

        stats = await queue.stats(now=T0 + 30)
        tracking, returns, general = (stats.skills[s] for s in ("tracking", "returns", "general"))
        assert (tracking.waiting, tracking.longest_wait_seconds, tracking.online_agents) == (
            2, 30, 1
        )
        assert (returns.waiting, returns.longest_wait_seconds, returns.online_agents) == (
            0, None, 1
        )
        assert general.online_agents == 0
        assert [(a.agent_id, a.presence, a.load, a.capacity, a.skills) for a in stats.agents] == [
            ("ana", Presence.ONLINE, 1, 3, ["returns", "tracking"]),
            ("bo", Presence.AWAY, 0, 2, ["general"]),
        ]

    run(redis_url, scenario)


def test_unknown_skills_and_priorities_are_refused(redis_url):
    async def scenario(queue):
        with pytest.raises(ValueError):
            await queue.enqueue(Ticket("c1", "billing", NORMAL), now=T0)
        with pytest.raises(ValueError):
            await queue.enqueue(Ticket("c1", "tracking", 10), now=T0)
        with pytest.raises(ValueError):
            await queue.register_agent("ana", ["tracking", "billing"], now=T0)
        assert await queue.ticket("c1") is None

    run(redis_url, scenario)


def test_settings_come_from_the_environment(monkeypatch):
    for name, value in {
        "HANDOFF_LEASE_SECONDS": "45",
        "HANDOFF_SLA_WAIT_SECONDS": "90",
        "HANDOFF_SLA_REPLY_SECONDS": "40",
        "HANDOFF_AVERAGE_HANDLING_SECONDS": "240",
        "HANDOFF_AGENT_CAPACITY": "5",
        "HANDOFF_SKILLS": "tracking, returns,complaints,general,billing",
        "HANDOFF_KEY_PREFIX": "support:",
    }.items():
        monkeypatch.setenv(name, value)
    assert QueueSettings.from_environment() == QueueSettings(
        lease_seconds=45,
        sla_wait_seconds=90,
        sla_reply_seconds=40,
        average_handling_seconds=240,
        agent_capacity=5,
        skills=("tracking", "returns", "complaints", "general", "billing"),
        key_prefix="support:",
    )
    for name in ("HANDOFF_LEASE_SECONDS", "HANDOFF_SKILLS", "HANDOFF_KEY_PREFIX"):
        monkeypatch.delenv(name)
    defaults = QueueSettings.from_environment()
    assert (defaults.lease_seconds, defaults.skills, defaults.key_prefix) == (
        QueueSettings.lease_seconds, DEFAULT_SKILLS, "handoff:"
    )


def test_a_queued_conversation_survives_a_redis_restart(tmp_path):
    data_dir = tmp_path / "redis"
    settings = QueueSettings(key_prefix="restart:")

    async def before(url):
        queue = HandoffQueue.from_url(url, settings)
        await queue.register_agent("ana", ["tracking"], capacity=1, now=T0)
        await queue.enqueue(Ticket("first", "tracking", NORMAL), now=T0)
        await queue.enqueue(
            Ticket("vip", "tracking", URGENT, context={"vip": True}), now=T0 + 1
        )
        await queue.enqueue(Ticket("second", "tracking", NORMAL), now=T0 + 2)
        await queue.claim_next("ana", now=T0 + 3)  # vip
        await queue.leave_callback(Ticket("night", "general", NORMAL), "call me", now=T0 + 4)
        run_id = (await queue.redis.info("server"))["run_id"]
        await queue.disconnect()
        return run_id

    async def after(url):
        queue = HandoffQueue.from_url(url, settings)
        try:
            assert (await queue.redis.info("server"))["run_id"] != run_id
            second = await queue.ticket("second")
            assert (second.skill, second.priority, second.enqueued_at, second.state) == (
                "tracking", NORMAL, T0 + 2, "waiting"
            )
            assert [await queue.position(c) for c in ("first", "second")] == [1, 2]
            vip = await queue.ticket("vip")
            assert (vip.agent_id, vip.context) == ("ana", {"vip": True})
            assert [c.ticket.conversation_id for c in await queue.callbacks()] == ["night"]
            # The script cache did not survive; the queue reloads its scripts.
            await queue.close("vip")
            assert (await queue.claim_next("ana", now=T0 + 5)).conversation_id == "first"
        finally:
            await queue.disconnect()

    server = start_embedded_redis(data_dir)
    try:
        port = urlsplit(server.url).port
        run_id = asyncio.run(before(server.url))
        # SIGTERM: Redis shuts down as on any service restart, writing the append-only file.
        server.stop()
        assert not server.is_running()
        server = start_embedded_redis(data_dir, port=port)
        asyncio.run(after(server.url))
    finally:
        server.stop()
