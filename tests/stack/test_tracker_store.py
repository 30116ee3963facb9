"""endpoints.yml's tracker store works with SQLite and with PostgreSQL by URL."""
import asyncio
import uuid

from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from foundation.settings import ROOT

def test_conversation_round_trips_through_the_configured_database(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("ACTION_SERVER_URL", "ACTION_SERVER_TOKEN", "REDIS_URL"):
        monkeypatch.setenv(name, "")
    domain = Domain.load(str(ROOT / "domain"))
    store = TrackerStore.create(
        read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store"), domain
    )
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
