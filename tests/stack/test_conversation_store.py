"""The tracker store of endpoints.yml (bot/tracker_store.py) and the event stream it
feeds (bot/event_broker.py), against a real Redis and SQLite / PostgreSQL: every event of
a conversation stored once and streamed once, in order and masked, with the database
work in worker threads and many conversations saved at once."""
import asyncio
import json
import logging
import uuid

import redis
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.event_broker import RedisStreamEventBroker
from bot.tracker_store import OffLoopSQLTrackerStore
from foundation.settings import ROOT

DOMAIN = Domain.load(str(ROOT / "domain"))


async def _broker(redis_url: str, stream: str) -> EventBroker:
    return await EventBroker.create(EndpointConfig(
        url=redis_url, type="bot.event_broker.RedisStreamEventBroker", stream=stream))


def _streamed(redis_url: str, stream: str):
    client = redis.Redis.from_url(redis_url)
    try:
        return [(fields[b"sender_id"].decode(), json.loads(fields[b"event"]))
                for _, fields in client.xrange(stream)]
    finally:
        client.delete(stream)
        client.close()


def _turn(tracker: DialogueStateTracker, text: str, answer: str) -> None:
    tracker.update(UserUttered(text, {"name": "track_parcel", "confidence": 1.0}))
    tracker.update(BotUttered(answer))
    tracker.update(ActionExecuted("action_listen"))


def test_each_event_is_stored_and_streamed_once_in_order(database_url, redis_url):
    stream = f"test:{uuid.uuid4().hex}"
    sender = uuid.uuid4().hex

    async def talk():
        broker = await _broker(redis_url, stream)
        store = OffLoopSQLTrackerStore(domain=DOMAIN, host=database_url, event_broker=broker)
        tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen")], DOMAIN.slots)
        _turn(tracker, "我的手机 13812345678 的快递", "请稍等")
        await store.save(tracker)
        _turn(tracker, "KD202611230001", "运输中")
        await store.save(tracker)
        await store.save(tracker)  # nothing new: nothing stored or streamed again
        await broker.close()
        return await store.retrieve(sender)

    stored = asyncio.run(talk())
    streamed = _streamed(redis_url, stream)
    assert [e.type_name for e in stored.events] == ["action", "user", "bot", "action", "user", "bot", "action"]
    assert [event["event"] for _, event in streamed] == [e.type_name for e in stored.events]
    assert {who for who, _ in streamed} == {sender}
    # The stream is kept like a log: the phone number is masked there, not in the store.
    assert "13812345678" not in json.dumps([event for _, event in streamed], ensure_ascii=False)
    assert stored.events[1].text == "我的手机 13812345678 的快递"


def test_conversations_saved_at_once_keep_their_own_order(database_url, redis_url):
    stream = f"test:{uuid.uuid4().hex}"
    senders = [uuid.uuid4().hex for _ in range(20)]

    async def talk():
        broker = await _broker(redis_url, stream)
        store = OffLoopSQLTrackerStore(domain=DOMAIN, host=database_url, event_broker=broker)
        trackers = [DialogueStateTracker.from_events(s, [ActionExecuted("action_listen")], DOMAIN.slots)
                    for s in senders]
        for turn in range(3):
            for tracker in trackers:
                _turn(tracker, f"第{turn}句", f"回答{turn}")
            await asyncio.gather(*(store.save(tracker) for tracker in trackers))
        await broker.close()
        return [await store.retrieve(s) for s in senders]

    stored = asyncio.run(talk())
    streamed = _streamed(redis_url, stream)
    for sender, tracker in zip(senders, stored):
        texts = [event.get("text") for who, event in streamed if who == sender and event["event"] == "bot"]
        assert texts == ["回答0", "回答1", "回答2"]
        assert len(tracker.events) == 10


def test_an_unreachable_redis_loses_the_live_relay_only(caplog):
    async def publish():
        broker = RedisStreamEventBroker("redis://127.0.0.1:1/0")  # nothing listens there
        broker.publish({"sender_id": "x", "event": "bot", "text": "hi"})
        await broker.close()

    with caplog.at_level(logging.ERROR, logger="bot.event_broker"):
        asyncio.run(publish())
    assert "Could not append 1 events to Redis stream" in caplog.text
