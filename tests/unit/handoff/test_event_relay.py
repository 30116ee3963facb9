"""Customers' messages to their agents' consoles (handoff/service/event_relay.py): the
relay reads a stand-in for Rasa's event stream and the queue's tickets, and delivers
to stand-in websockets through the real console hub."""
import asyncio
import json
from typing import Any, Dict, List, Optional

from foundation.staff.auth import User
from handoff.queue_records import Ticket
from handoff.service.console_hub import ConsoleHub
from handoff.service.event_relay import EventRelay

STREAM = "rasa:events"


class EventStream:
    """Rasa's event stream as the relay reads it: entries written before it started,
    then the new ones, then nothing more (a blocking read that waits)."""

    def __init__(self, old: List[Dict[str, str]], new: List[Dict[str, str]]) -> None:
        self.old = [(f"{number}-0", fields) for number, fields in enumerate(old, start=1)]
        self.new = [(f"{number}-0", fields) for number, fields in enumerate(new, start=len(old) + 1)]
        self.read_from: List[str] = []

    async def xrevrange(self, stream: str, count: int):
        return self.old[-count:][::-1]

    async def xread(self, streams: Dict[str, str], count: int, block: int):
        self.read_from.append(streams[STREAM])
        if len(self.read_from) == 1:
            return [(STREAM, self.new)]
        await asyncio.sleep(3600)


class Tickets:
    """HandoffQueue.ticket over the tickets of a test."""

    def __init__(self, *tickets: Ticket) -> None:
        self.tickets = {ticket.conversation_id: ticket for ticket in tickets}

    async def ticket(self, conversation_id: str) -> Optional[Ticket]:
        return self.tickets.get(conversation_id)


class Console:
    def __init__(self) -> None:
        self.received: List[Dict[str, Any]] = []

    async def send(self, text: str) -> None:
        self.received.append(json.loads(text))


def event(sender: str, kind: str, text: str = "", timestamp: float = 1_800_000_000.0) -> Dict[str, str]:
    return {"sender_id": sender, "event": json.dumps({"event": kind, "text": text, "timestamp": timestamp})}


class Leaving:
    """Abandonment.leave, noting who left."""

    def __init__(self) -> None:
        self.left: List[str] = []

    async def leave(self, conversation_id: str, why: str) -> bool:
        self.left.append(conversation_id)
        return True


def relay(stream: EventStream, tickets: Tickets, leaving: Optional[Leaving] = None) -> Dict[str, Console]:
    """Runs the relay over the stream; what each console received."""
    consoles = {"ana": Console(), "bo": Console(), "chen": Console()}

    async def scenario() -> None:
        hub = ConsoleHub(client=None, on_notification=None)
        hub.connect(consoles["ana"], User("ana", "Ana Li", "agent", "", ["tracking"]))
        hub.connect(consoles["bo"], User("bo", "Bo Wang", "agent", "", ["returns"]))
        hub.connect(consoles["chen"], User("chen", "Chen Zhou", "supervisor", ""))
        task = asyncio.create_task(EventRelay(stream, tickets, hub, STREAM, leaving).run())
        while len(stream.read_from) < 2:
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(scenario())
    return consoles


def test_a_customers_message_reaches_their_agent_and_the_supervisors_only():
    ticket = Ticket("c1", "tracking", 3, agent_id="ana", state="assigned",
                    context={"customer": {"verified": True}})
    stream = EventStream([], [event("c1", "user", "我的电话是13812345678", 1_800_000_123.5)])
    consoles = relay(stream, Tickets(ticket))
    expected = {
        "type": "message", "conversation_id": "c1", "sender": "customer",
        "text": "我的电话是13812345678", "time": 1_800_000_123.5,
    }
    assert consoles["ana"].received == [expected]
    assert consoles["chen"].received == [expected]
    assert consoles["bo"].received == []


def test_phone_numbers_stay_masked_until_the_customer_is_verified():
    ticket = Ticket("c1", "tracking", 3, agent_id="ana", context={"customer": {"verified": False}})
    consoles = relay(EventStream([], [event("c1", "user", "call 13812345678")]), Tickets(ticket))
    assert [m["text"] for m in consoles["ana"].received] == ["call 138****5678"]


def test_a_waiting_conversation_goes_to_the_supervisors():
    consoles = relay(EventStream([], [event("c1", "user", "还在吗？")]), Tickets(Ticket("c1", "tracking", 3)))
    assert [m["text"] for m in consoles["chen"].received] == ["还在吗？"]
    assert consoles["ana"].received == [] and consoles["bo"].received == []


def test_bot_turns_and_conversations_with_the_bot_are_not_relayed():
    stream = EventStream([], [
        event("c1", "bot", "您好！"),
        event("with-the-bot", "user", "你好"),
        {"sender_id": "c1", "event": "{garbled"},
        event("c1", "user", "谢谢"),
    ])
    consoles = relay(stream, Tickets(Ticket("c1", "tracking", 3, agent_id="ana")))
    assert [m["text"] for m in consoles["ana"].received] == ["谢谢"]


def test_the_relay_starts_at_the_end_of_the_stream():
    stream = EventStream(
        [event("c1", "user", "before"), event("c1", "user", "older")], [event("c1", "user", "after")]
    )
    consoles = relay(stream, Tickets(Ticket("c1", "tracking", 3, agent_id="ana")))
    assert [m["text"] for m in consoles["ana"].received] == ["after"]
    # Then it goes on from the last entry it read.
    assert stream.read_from == ["2-0", "3-0"]


def test_a_waiting_customer_who_says_they_no_longer_want_a_person_leaves_the_queue():
    leaving = Leaving()
    waiting = Ticket("c1", "tracking", 3, state="waiting")
    asking = Ticket("c2", "tracking", 3, state="waiting")
    stream = EventStream([], [event("c1", "user", "不用了，谢谢"), event("c2", "user", "我想取消订单")])
    consoles = relay(stream, Tickets(waiting, asking), leaving)
    assert leaving.left == ["c1"]
    # The supervisors still read what was said.
    assert [m["text"] for m in consoles["chen"].received] == ["不用了，谢谢", "我想取消订单"]


def test_a_customer_with_an_agent_who_says_it_stays_and_the_agent_reads_it():
    leaving = Leaving()
    ticket = Ticket("c1", "tracking", 3, agent_id="ana", state="assigned")
    consoles = relay(EventStream([], [event("c1", "user", "算了")]), Tickets(ticket), leaving)
    assert leaving.left == []
    assert [m["text"] for m in consoles["ana"].received] == ["算了"]
