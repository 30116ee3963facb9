"""endpoints.yml's tracker store works with SQLite and with PostgreSQL by URL."""
import asyncio
import os
import socket
import uuid

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.settings import ROOT

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


def database_urls(tmp_dir):
    yield f"sqlite:///{tmp_dir / 'rasa.db'}"
    if postgres_answers():
        yield POSTGRES_URL
    elif os.environ.get("CI"):
        pytest.fail("PostgreSQL must answer on 127.0.0.1:5432 in CI")


@pytest.fixture()
def domain():
    return Domain.load(str(ROOT / "domain"))


def test_conversation_round_trips_through_each_database(tmp_path, monkeypatch, domain):
    for url in database_urls(tmp_path):
        monkeypatch.setenv("DATABASE_URL", url)
        for name in ("ACTION_SERVER_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD"):
            monkeypatch.setenv(name, "")
        config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
        store = TrackerStore.create(config, domain)

        sender = uuid.uuid4().hex
        tracker = DialogueStateTracker.from_events(
            sender,
            [ActionExecuted("action_listen"), UserUttered("我的快遞到哪了", {"name": "track_parcel"})],
            domain.slots,
        )
        asyncio.run(store.save(tracker))
        stored = asyncio.run(store.retrieve(sender))
        assert stored.latest_message.text == "我的快遞到哪了", url
        assert store.engine.dialect.name == url.split(":")[0], url
