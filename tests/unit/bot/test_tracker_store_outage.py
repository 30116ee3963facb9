import asyncio

import pytest
from rasa.core import tracker_store
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import IntegrityError, OperationalError

from bot import tracker_store_outage
from bot.channels.socketio import CourierSocketIOInput
from bot.tracker_store_outage import describe, is_unreachable

REFUSED = OperationalError(
    "INSERT INTO events (sender_id, data) VALUES (%(sender_id)s, %(data)s)",
    {"sender_id": "web:1", "data": '{"text": "我家地址是幸福路 8 号"}'},
    Exception('connection to server at "127.0.0.1", port 5432 failed: Connection refused\n'
              "\tIs the server running on that host and accepting TCP/IP connections?"),
)


def test_an_unreachable_database_is_told_apart_from_other_errors():
    assert is_unreachable(REFUSED)
    assert not is_unreachable(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not is_unreachable(ValueError("a bug"))


def test_the_log_gets_the_databases_words_but_not_the_statement_or_its_values():
    described = describe(REFUSED)
    assert "Connection refused" in described
    assert "幸福路" not in described and "INSERT" not in described


def test_the_web_chat_customer_is_asked_to_send_the_message_again_in_their_language():
    told = CourierSocketIOInput._failure(REFUSED, "web:1", "where is my parcel")
    assert (told.code, told.status) == ("store_unavailable", 503)
    assert told.reason == ("Sorry, I can't reach our conversation records just now, so that "
                           "message wasn't handled. Please send it again in a few seconds.")
    told = CourierSocketIOInput._failure(REFUSED, "web:1", "我的快遞到哪了")
    assert told.reason == "抱歉，系統暫時無法保存對話，這條消息沒能處理。請過幾秒鐘再發一次。"
    other = CourierSocketIOInput._failure(ValueError("a bug"), "web:1", "我的快递到哪了")
    assert other.code == "assistant_error" and "请稍后再发一次" in other.reason


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(tracker_store, "create_engine_kwargs", tracker_store.create_engine_kwargs)
    for handler in ("on_tracker_store_error", "on_tracker_store_retrieve_error"):
        monkeypatch.setattr(FailSafeTrackerStore, handler, getattr(FailSafeTrackerStore, handler))
    tracker_store_outage.install()


class BrokenStore(InMemoryTrackerStore):
    def __init__(self, error: Exception) -> None:
        super().__init__(Domain.empty())
        self.error = error

    async def retrieve(self, sender_id):
        raise self.error

    async def save(self, tracker):
        raise self.error


def test_an_unreachable_database_is_not_hidden_behind_an_empty_conversation(installed):
    store = FailSafeTrackerStore(BrokenStore(REFUSED))
    with pytest.raises(OperationalError):
        asyncio.run(store.retrieve("web:1"))
    with pytest.raises(OperationalError):
        asyncio.run(store.save(DialogueStateTracker("web:1", [])))
    assert not store.fallback_tracker_store.store  # nothing went to memory instead


def test_other_errors_are_handled_by_rasa_as_before(installed):
    store = FailSafeTrackerStore(BrokenStore(ValueError("a bug")))
    assert asyncio.run(store.retrieve("web:1")) is None
    asyncio.run(store.save(DialogueStateTracker("web:1", [])))
    assert asyncio.run(store.fallback_tracker_store.retrieve("web:1")) is not None


def test_pooled_connections_are_tested_before_use(installed):
    kwargs = tracker_store.create_engine_kwargs("postgresql://rasa@db.example:5432/rasa")
    assert kwargs["pool_pre_ping"] is True and kwargs["pool_size"] == 50
    assert "pool_pre_ping" not in tracker_store.create_engine_kwargs("sqlite:///var/rasa.db")
