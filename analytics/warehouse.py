"""The analytics tables: what the report counts, loaded from the other parts' records.

SQLite by default (var/analytics.db), PostgreSQL or any SQLAlchemy URL through
ANALYTICS_DATABASE_URL. Created when missing. Times are UTC without a zone.

  load_positions       how far each source has been read (the Redis stream id, the
                       newest archive time, the last gap or return event id)
  conversation_events  the events of the Redis stream `rasa:events` analytics needs,
                       one row per stream entry, customer text masked
  conversations        one row per Rasa session with at least one customer message,
                       with its outcome (derived from conversation_events)
  turns                one row per customer message the bot answered
  handoff_cases        the case archive's cases: times, team, reason, rating; no text
  knowledge_gaps       the editors' gap list: questions nobody answered, masked
  return_requests      the demo carrier's return requests, the address masked

Every row has the key of its source (stream id, session id, case id, gap id, return
id), so loading the same thing again replaces a row instead of adding one.
"""
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url

from foundation.settings import VAR

DEFAULT_URL = f"sqlite:///{VAR / 'analytics.db'}"

metadata = MetaData()

load_positions = Table(
    "load_positions",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("position", Text, nullable=False),
)

conversation_events = Table(
    "conversation_events",
    metadata,
    # The stream id with both parts zero-padded, so text order is stream order.
    Column("stream_id", String(40), primary_key=True),
    Column("sender_id", String(200), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("kind", String(20), nullable=False),  # user, action, slot, session_started, pause, resume
    Column("name", String(200)),  # the action, the slot, or the intent of a user message
    Column("value", JSON),  # a slot's value
    Column("text", Text),  # a user message, masked
    Column("channel", String(40)),
)

conversations = Table(
    "conversations",
    metadata,
    Column("session_id", String(250), primary_key=True),
    Column("sender_id", String(200), nullable=False, index=True),
    Column("channel", String(40)),
    Column("started_at", DateTime, nullable=False, index=True),
    Column("ended_at", DateTime, nullable=False),
    Column("user_messages", Integer, nullable=False),
    Column("outcome", String(20), nullable=False),  # contained, handoff, bot_abandoned
    Column("handoff_reason", String(40)),
    Column("handoff_team", String(40)),
    Column("handed_off_at", DateTime),
)

turns = Table(
    "turns",
    metadata,
    Column("stream_id", String(40), primary_key=True),
    Column("session_id", String(250), nullable=False, index=True),
    Column("sender_id", String(200), nullable=False, index=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("channel", String(40)),
    Column("intent", String(100)),
    Column("fallback", Boolean, nullable=False),
    Column("knowledge_answer", Boolean, nullable=False),
    Column("knowledge_miss", Boolean, nullable=False),
    Column("reasked", Boolean, nullable=False),
    Column("to_person", Boolean, nullable=False),
)

handoff_cases = Table(
    "handoff_cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("conversation_id", String(200), nullable=False, index=True),
    Column("channel", String(40)),
    Column("reason", String(40), nullable=False),
    Column("team", String(40), nullable=False),
    Column("category", String(40), nullable=False),
    Column("enqueued_at", DateTime, index=True),
    Column("assigned_at", DateTime),
    Column("closed_at", DateTime, nullable=False),
    Column("waiting_seconds", Float),
    Column("handling_seconds", Float),
    Column("first_response_seconds", Float),  # queued -> the agent's first message
    Column("reply_seconds", Float),  # taken -> the agent's first message
    Column("rating", Integer),
    Column("rated_at", DateTime),
)

knowledge_gaps = Table(
    "knowledge_gaps",
    metadata,
    Column("gap_id", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime, nullable=False, index=True),
    Column("question", Text, nullable=False),
    Column("language", String(16)),
    Column("channel", String(40)),
    Column("best_article", String(200)),
    Column("best_score", Float),
    Column("conversation_id", String(200)),
)

return_requests = Table(
    "return_requests",
    metadata,
    Column("return_id", Integer, primary_key=True, autoincrement=False),
    Column("return_number", String(40)),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("category", String(40), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("outcome", String(40), nullable=False),  # the return's latest status
    Column("refund_state", String(20), nullable=False),
    Column("pickup_city", String(100)),
    Column("pickup_address", Text),  # region only (foundation.privacy.mask_address)
)


def warehouse_url() -> str:
    return os.environ.get("ANALYTICS_DATABASE_URL") or DEFAULT_URL


def open_warehouse(url: str = "") -> Engine:
    """The analytics database at `url` (default ANALYTICS_DATABASE_URL), tables made."""
    url = url or warehouse_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    metadata.create_all(engine)
    return engine


def upsert(connection: Connection, table: Table, rows: Sequence[Dict[str, Any]],
           replace: bool = True) -> None:
    """Inserts `rows`; a row whose primary key exists is replaced (or kept as it is
    when not `replace`). One statement for SQLite and PostgreSQL alike."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = [column.name for column in table.primary_key.columns]
    if replace:
        statement = statement.on_conflict_do_update(
            index_elements=keys,
            set_={column.name: statement.excluded[column.name]
                  for column in table.columns if column.name not in keys},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    for batch in _batches(rows, 500):
        connection.execute(statement, batch)


def _batches(rows: Sequence[Dict[str, Any]], size: int) -> Iterable[List[Dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


def read_position(connection: Connection, source: str, default: str = "") -> str:
    found = connection.execute(
        load_positions.select().where(load_positions.c.source == source)
    ).mappings().first()
    return found["position"] if found else default


def write_position(connection: Connection, source: str, position: str) -> None:
    upsert(connection, load_positions, [{"source": source, "position": position}])
