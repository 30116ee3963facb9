"""Who gets what among the consoles (handoff/service/console_hub.py): two service
instances share an in-memory stand-in for Redis pub/sub, and each holds stand-in
websockets of its own, as behind a load balancer."""
import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any, Dict, List, Set

from websockets.exceptions import ConnectionClosedOK

from foundation.staff.auth import User
from handoff.notifications import NOTIFICATIONS_CHANNEL, publish_notification
from handoff.service.console_hub import CONSOLE_CHANNEL, ConsoleHub, envelope

ANA = User("ana", "Ana Li", "agent", "", ["tracking"])
BO = User("bo", "Bo Wang", "agent", "", ["returns"])
CHEN = User("chen", "Chen Zhou", "supervisor", "")


class PubSubRedis:
    """Redis pub/sub between the instances of one test, nothing else."""

    def __init__(self) -> None:
        self.subscriptions: List["Subscription"] = []

    async def publish(self, channel: str, data: str) -> int:
        listening = [s for s in self.subscriptions if channel in s.channels]
        for subscription in listening:
            subscription.items.put_nowait({"type": "message", "channel": channel, "data": data})
        return len(listening)

    def pubsub(self, ignore_subscribe_messages: bool = False) -> "Subscription":
        return Subscription(self)


class Subscription:
    def __init__(self, redis: PubSubRedis) -> None:
        self.redis = redis
        self.channels: Set[str] = set()
        self.items: asyncio.Queue = asyncio.Queue()

    async def subscribe(self, *channels: str) -> None:
        self.channels.update(channels)
        self.redis.subscriptions.append(self)

    async def listen(self):
        while True:
            yield await self.items.get()

    async def close(self) -> None:
        if self in self.redis.subscriptions:
            self.redis.subscriptions.remove(self)


class Console:
    """A console's websocket as the hub sees it."""

    def __init__(self) -> None:
        self.received: List[Dict[str, Any]] = []

    async def send(self, text: str) -> None:
        self.received.append(json.loads(text))


class ClosedConsole(Console):
    async def send(self, text: str) -> None:
        raise ConnectionClosedOK(None, None)


async def settle() -> None:
    """Lets the listening hubs take what was published."""
    for _ in range(20):
        await asyncio.sleep(0)


@asynccontextmanager
async def listening(*hubs: ConsoleHub):
    """The hubs subscribed to the channels, as each service instance is while it runs."""
    tasks = [asyncio.create_task(hub.listen()) for hub in hubs]
    await settle()
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()


def consoles_of(hub: ConsoleHub, *users: User) -> Dict[str, Console]:
    """A console of each user, connected to `hub`."""
    consoles = {user.id: Console() for user in users}
    for user in users:
        hub.connect(consoles[user.id], user)
    return consoles


def received(consoles: Dict[str, Console]) -> Dict[str, List[Dict[str, Any]]]:
    return {user_id: console.received for user_id, console in consoles.items()}


def test_an_envelope_names_everyone_it_is_for_and_drops_missing_agents():
    message = {"type": "assigned", "conversation_id": "c1"}
    assert envelope(message, agents=["ana", None, ""], supervisors=True) == {
        "to": {"everyone": False, "agents": ["ana"], "supervisors": True},
        "message": message,
    }
    assert envelope(message, everyone=True)["to"] == {"everyone": True, "agents": [], "supervisors": False}


def test_a_published_message_reaches_its_agent_and_the_supervisors_on_every_instance():
    message = {"type": "message", "conversation_id": "c1", "sender": "agent", "text": "您好"}

    async def scenario() -> None:
        redis = PubSubRedis()
        first, second = ConsoleHub(redis, on_notification=None), ConsoleHub(redis, on_notification=None)
        here, there = consoles_of(first, ANA, CHEN), consoles_of(second, BO, CHEN)
        async with listening(first, second):
            await second.publish(message, agents=["ana"], supervisors=True)
            await settle()
        assert received(here) == {"ana": [message], "chen": [message]}
        assert received(there) == {"bo": [], "chen": [message]}

    asyncio.run(scenario())


def test_a_message_for_everyone_reaches_every_console_once():
    queued = {"type": "queue", "event": "claimed", "conversation_id": "c1", "skill": "tracking"}

    async def scenario() -> None:
        hub = ConsoleHub(PubSubRedis(), on_notification=None)
        consoles = consoles_of(hub, ANA, BO, CHEN)
        async with listening(hub):
            await hub.publish(queued, everyone=True)
            await settle()
        assert received(consoles) == {"ana": [queued], "bo": [queued], "chen": [queued]}

    asyncio.run(scenario())


def test_the_action_servers_notification_reaches_every_console_and_the_watch():
    notification = {"type": "enqueued", "conversation_id": "c1", "skill": "tracking"}
    noticed = []

    async def on_notification(notification: Dict[str, Any]) -> None:
        noticed.append(notification)

    async def scenario() -> None:
        redis = PubSubRedis()
        hub = ConsoleHub(redis, on_notification=on_notification)
        consoles = consoles_of(hub, ANA, CHEN)
        async with listening(hub):
            await publish_notification(redis, notification)
            await settle()
        expected = {"type": "queue", "event": "enqueued", "conversation_id": "c1", "skill": "tracking"}
        assert received(consoles) == {"ana": [expected], "chen": [expected]}

    asyncio.run(scenario())
    assert noticed == [notification]


def test_a_malformed_message_is_skipped_and_the_next_one_still_arrives():
    async def scenario() -> None:
        redis = PubSubRedis()
        hub = ConsoleHub(redis, on_notification=None)
        consoles = consoles_of(hub, ANA)
        async with listening(hub):
            await redis.publish(CONSOLE_CHANNEL, "{not json")
            await redis.publish(NOTIFICATIONS_CHANNEL, json.dumps(["a", "list"]))
            await hub.publish({"type": "queue", "event": "closed"}, everyone=True)
            await settle()
        assert received(consoles) == {"ana": [{"type": "queue", "event": "closed"}]}

    asyncio.run(scenario())


def test_a_closed_console_is_dropped_without_keeping_the_others_waiting():
    async def scenario() -> None:
        hub = ConsoleHub(PubSubRedis(), on_notification=None)
        gone, ana = ClosedConsole(), Console()
        hub.connect(gone, CHEN)
        hub.connect(ana, ANA)

        await hub.deliver(envelope({"type": "queue", "event": "enqueued"}, everyone=True))
        assert ana.received == [{"type": "queue", "event": "enqueued"}]
        assert list(hub.sockets) == [ana]

    asyncio.run(scenario())


def test_a_disconnected_console_gets_nothing_more():
    async def scenario() -> None:
        hub = ConsoleHub(PubSubRedis(), on_notification=None)
        ana = Console()
        hub.connect(ana, ANA)
        hub.disconnect(ana)
        await hub.deliver(envelope({"type": "queue", "event": "enqueued"}, everyone=True))
        assert ana.received == []

    asyncio.run(scenario())
