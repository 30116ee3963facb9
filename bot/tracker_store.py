"""Rasa's SQL tracker store, with its database work off the Rasa server's event loop.

Rasa 3.6's `SQLTrackerStore` is asynchronous in name only: loading a conversation and
saving its new events run SQLAlchemy and the database driver inside the event loop, so
every other conversation waits while one waits for the database (a third of the
server's busy time under load, SQLite's commits above all). Here the same methods run
in a worker thread; the conversation stays locked meanwhile (Redis lock store), so no
other turn touches its tracker.

What they do is Rasa's, done with less: a save stores the events not stored yet in one
INSERT (Rasa adds them one by one through the ORM), then streams the same events to the event broker (Rasa loaded and rebuilt the
whole conversation once more to find them); a load reads the events' data column only.
Which events are new: Rasa counts the events stored since the session started on every
save. A tracker loaded here remembers how many that was, so the first save after the
load needs no count (the conversation's lock guarantees nobody stored events between);
any other save counts, as Rasa does. The count was 5 % of the server's time under load.
Both run Rasa's queries as SQLAlchemy Core statements built once, on a plain connection:
building them per call through the ORM was 6 % of the server's time under load.

SQLite, the default store, also gets what it needs to serve several processes at once:
a kept connection instead of a new one per query, and write-ahead logging, which lets
readers go on while one writer commits and syncs once per commit instead of three
times. Its work runs in one thread per process: SQLite writes one at a time anyway,
and writers of one process waiting on each other sleep in SQLite's busy handler. A crash of the server loses nothing committed; a
power cut may lose the last commits (synchronous=NORMAL). Production uses PostgreSQL.

Configured in endpoints.yml:

    tracker_store:
      type: bot.tracker_store.OffLoopSQLTrackerStore
      url: ${DATABASE_URL}
"""
import asyncio
import functools
import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Text, TypeVar

import sqlalchemy as sa
from rasa.core import tracker_store
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.pool import QueuePool

Result = TypeVar("Result")
# PostgreSQL serves several connections at once (Rasa's pool: SQL_POOL_SIZE, 50).
DATABASE_THREADS = 8
# The tracker attribute holding how many stored events it was loaded with.
LOADED_EVENTS = "_events_stored_when_loaded"


class OffLoopSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sqlite = self.engine.url.get_backend_name() == "sqlite"
        if sqlite:
            self._pool_sqlite_connections()
        self._threads = ThreadPoolExecutor(1 if sqlite else DATABASE_THREADS,
                                           thread_name_prefix="tracker-store")
        self._queries = _Queries(self.SQLEvent.__table__)

    def _pool_sqlite_connections(self) -> None:
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, **tracker_store.create_engine_kwargs(url), poolclass=QueuePool,
            pool_size=1, max_overflow=1,
            # Made in the loop's thread, used in the store's own.
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        sa.event.listen(self.engine, "connect", _write_ahead_logging)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _in_thread(self, work: Callable[[], Result]) -> Result:
        return await asyncio.get_running_loop().run_in_executor(self._threads, work)

    async def save(self, tracker: DialogueStateTracker) -> None:
        new_events = await self._in_thread(functools.partial(self._store_new_events, tracker))
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    def _store_new_events(self, tracker: DialogueStateTracker) -> List[Event]:
        """Stores the events not stored yet, as Rasa's save does (they are those after
        the ones stored since the session started), in one INSERT; returns them."""
        stored = tracker.__dict__.pop(LOADED_EVENTS, None)
        with self.engine.begin() as connection:
            if stored is None:
                stored = connection.execute(self._queries.count_current,
                                            {"sender_id": tracker.sender_id}).scalar_one()
            new_events = list(itertools.islice(tracker.events, stored, None))
            if new_events:
                connection.execute(self._queries.insert,
                                   [_row(tracker.sender_id, event) for event in new_events])
        return new_events

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        return await self._in_thread(
            functools.partial(self._load, sender_id, fetch_events_from_all_sessions))

    def _load(self, sender_id: Text, fetch_events_from_all_sessions: bool
              ) -> Optional[DialogueStateTracker]:
        """Rasa's _retrieve, reading the events' data column only."""
        query = self._queries.load_all if fetch_events_from_all_sessions else self._queries.load_current
        with self.engine.connect() as connection:
            rows = connection.execute(query, {"sender_id": sender_id}).all()
        events = [json.loads(data) for (data,) in rows]
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            # Exactly what count_current would count now; only the current session's.
            setattr(tracker, LOADED_EVENTS, len(events))
        return tracker


class _Queries:
    """Rasa's `SQLTrackerStore._event_query` and its uses, as Core statements: a
    conversation's events since its latest session start (or all), by id."""

    def __init__(self, events: sa.Table) -> None:
        sender = sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(events.c.timestamp))
            .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        of_sender = events.c.sender_id == sender
        since_start = sa.or_(events.c.timestamp >= session_start, session_start.is_(None))
        self.load_all = sa.select(events.c.data).where(of_sender).order_by(events.c.id)
        self.load_current = (sa.select(events.c.data).where(of_sender, since_start)
                             .order_by(events.c.id))
        self.count_current = sa.select(sa.func.count()).select_from(events).where(
            of_sender, since_start)
        self.insert = events.insert()


def _row(sender_id: Text, event: Event) -> Dict[str, Any]:
    """An event as Rasa's SQL store writes it."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _write_ahead_logging(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
