"""endpoints.yml's tracker store works with SQLite and with PostgreSQL by URL."""
import asyncio
import uuid

import sqlalchemy

from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from foundation.settings import ROOT

def configured_store(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("ACTION_SERVER_URL", "ACTION_SERVER_TOKEN", "REDIS_URL"):
        monkeypatch.setenv(name, "")
    domain = Domain.load(str(ROOT / "domain"))
    return TrackerStore.create(
        read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store"), domain
    ), domain


def test_conversation_round_trips_through_the_configured_database(database_url, monkeypatch):
    store, domain = configured_store(database_url, monkeypatch)
    assert store.engine.dialect.name == database_url.split(":")[0]

    sender = uuid.uuid4().hex
    tracker = DialogueStateTracker.from_events(
        sender,
        [ActionExecuted("action_listen"), UserUttered("我的快遞到哪了", {"name": "track_parcel"})],
        domain.slots,
    )
    asyncio.run(store.save(tracker))
    stored = asyncio.run(store.retrieve(sender))
    assert stored.latest_message.text == "我的快遞到哪了"


def test_each_turn_stores_only_its_new_events_without_counting_the_stored_ones(
        database_url, monkeypatch):
    """A turn loads the conversation, adds events and saves: the save after a load knows
    what was stored, so it runs no count; a save without a load counts, as Rasa does.
    Either way, the conversation reads back with every event once."""
    store, domain = configured_store(database_url, monkeypatch)
    statements = []
    sqlalchemy.event.listen(store.engine, "before_cursor_execute",
                            lambda *args: statements.append(args[2]))
    sender = uuid.uuid4().hex
    first = DialogueStateTracker.from_events(
        sender, [ActionExecuted("action_listen"), UserUttered("你好", {"name": "greet"})],
        domain.slots)
    asyncio.run(store.save(first))
    assert any("count(" in statement.lower() for statement in statements)

    for turn, text in enumerate(["查快递", "KD202611230001", "谢谢"]):
        tracker = asyncio.run(store.retrieve(sender))
        tracker.update(UserUttered(text, {"name": "track_parcel"}))
        tracker.update(ActionExecuted("action_listen"))
        statements.clear()
        asyncio.run(store.save(tracker))
        assert not any("count(" in statement.lower() for statement in statements), turn
        # Saved again in the same turn (no load between): counted, nothing stored twice.
        asyncio.run(store.save(tracker))
        assert any("count(" in statement.lower() for statement in statements), turn

    texts = [event.text for event in asyncio.run(store.retrieve(sender)).events
             if isinstance(event, UserUttered)]
    assert texts == ["你好", "查快递", "KD202611230001", "谢谢"]
