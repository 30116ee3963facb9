"""The incremental, idempotent load of the analytics tables: `python -m analytics.loading`.

Each source is read from where the last load stopped (load_positions) and its rows
are upserted by their source's key, in one transaction with the new position, so a
load run twice, or stopped half way, never counts anything twice:

  Redis stream `rasa:events` (REDIS_URL; bot/event_broker.py)   from the last entry id
  handoff case archive (HANDOFF_DATABASE_URL; handoff/cases.py) cases closed or rated
                                                                 since the newest seen
  knowledge gap list (KNOWLEDGE_DATABASE_URL, table `gaps`)      gaps after the last id
  demo carrier's returns (CARRIER_DEMO_DB, tables `returns`,     returns made or changed
  `return_events`)                                               after the last ids

The gap list and the returns are read by plain SQL (reflected tables): analytics may
not import the knowledge base or the actions. A source that is not there (no Redis
configured, no database file yet) is skipped with a note.
"""
import argparse
import json
import logging
import os
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional

import redis
from sqlalchemy import MetaData, Table, create_engine, inspect, or_, select
from sqlalchemy.engine import Connection, Engine

from analytics.conversations import rows_of, sessions_of
from analytics.handoff_history import _may_exist
from analytics.warehouse import (
    conversation_events,
    conversations,
    handoff_cases,
    knowledge_gaps,
    open_warehouse,
    read_position,
    return_requests,
    turns,
    upsert,
    write_position,
)
from foundation.privacy import mask_address, mask_text
from foundation.settings import VAR, carrier_demo_db, handoff_database_url, knowledge_database_url
from handoff.cases import cases_table

logger = logging.getLogger(__name__)

STREAM = "rasa:events"
BATCH = 1000
# The slots the outcome is worked out from (analytics/conversations.py); no other
# slot value is kept, so nothing personal in one can reach the analytics tables.
KEPT_SLOTS = frozenset({"handoff", "handoff_reason", "faq_misses"})
KEPT_EVENTS = frozenset({"user", "action", "slot", "session_started", "pause", "resume"})
# Rows are not committed in the order of their times or ids (two agents closing at
# once; PostgreSQL sequences), so a little before the position is read again: a row
# committed late is not missed, and one read twice is upserted, not added.
REREAD_SECONDS = timedelta(minutes=10)
REREAD_IDS = 100


def load_all(engine: Engine, redis_url: Optional[str], stream: str = STREAM,
             archive: Optional[str] = None, knowledge: Optional[str] = None,
             carrier: Optional[str] = None) -> Dict[str, int]:
    """Loads every source that is there; returns the rows read per source (stream
    entries, and cases and gaps re-read near the position too)."""
    loaded = {}
    if redis_url:
        loaded["events"] = load_events(engine, redis_url, stream)
    else:
        logger.warning("No Redis (REDIS_URL unset, no `make run` Redis running): "
                       "conversation events were not loaded.")
    for name, load, url in (("cases", load_cases, archive), ("gaps", load_gaps, knowledge),
                            ("returns", load_returns, carrier)):
        if url and _may_exist(url):
            loaded[name] = load(engine, url)
        else:
            logger.warning("No %s database at %s: not loaded.", name, url)
    return loaded


# --- conversation events --------------------------------------------------------------

def load_events(engine: Engine, redis_url: str, stream: str = STREAM) -> int:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    read = 0
    try:
        while True:
            with engine.begin() as connection:
                last = read_position(connection, "stream:" + stream, "0-0")
                entries = client.xrange(stream, min=f"({last}", count=BATCH)
                if not entries:
                    return read
                rows = [row for entry_id, fields in entries
                        for row in [_event_row(entry_id, fields)] if row]
                upsert(connection, conversation_events, rows, replace=False)
                _rebuild(connection, {row["sender_id"] for row in rows})
                write_position(connection, "stream:" + stream, entries[-1][0])
            read += len(entries)
    finally:
        client.close()


def _event_row(entry_id: str, fields: Dict[str, str]) -> Optional[Dict[str, Any]]:
    try:
        event = json.loads(fields.get("event") or "")
    except ValueError:
        return None
    kind = event.get("event") if isinstance(event, dict) else None
    if kind not in KEPT_EVENTS or (kind == "slot" and event.get("name") not in KEPT_SLOTS):
        return None
    sender_id = fields.get("sender_id") or event.get("sender_id") or ""
    row = {
        "stream_id": stream_key(entry_id),
        "sender_id": sender_id,
        "at": _utc_from_epoch(event.get("timestamp") or _entry_seconds(entry_id)),
        "kind": kind, "name": None, "value": None, "text": None, "channel": None,
    }
    if kind == "user":
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        row.update(name=intent, text=masked_message(event.get("text") or ""),
                   channel=event.get("input_channel"))
    elif kind in ("action", "slot"):
        row.update(name=event.get("name"))
        if kind == "slot":
            row["value"] = event.get("value")
    return row


def masked_message(text: str) -> str:
    """Phone numbers masked; a message that starts as a mainland address does (the
    return form's pickup address) keeps its region only."""
    text = mask_text(text)
    address = mask_address(text)
    return text if address.startswith("****") else address


def stream_key(entry_id: str) -> str:
    """`1700000000000-3` as text that sorts in stream order."""
    milliseconds, _, sequence = entry_id.partition("-")
    return f"{int(milliseconds):015d}-{int(sequence or 0):06d}"


def _entry_seconds(entry_id: str) -> float:
    return int(entry_id.partition("-")[0]) / 1000


def _rebuild(connection: Connection, senders: Iterable[str]) -> None:
    """Works the conversations and turns of `senders` out again from all their events:
    a load may bring the rest of a conversation the previous one began."""
    senders = sorted(senders)
    for start in range(0, len(senders), 500):
        batch = senders[start : start + 500]
        events = connection.execute(
            select(conversation_events)
            .where(conversation_events.c.sender_id.in_(batch))
            .order_by(conversation_events.c.sender_id, conversation_events.c.stream_id)
        ).mappings().all()
        connection.execute(conversations.delete().where(conversations.c.sender_id.in_(batch)))
        connection.execute(turns.delete().where(turns.c.sender_id.in_(batch)))
        by_sender: Dict[str, List[Dict[str, Any]]] = {}
        for event in events:
            by_sender.setdefault(event["sender_id"], []).append(event)
        conversation_rows, turn_rows = [], []
        for sender_id, sender_events in by_sender.items():
            for session in sessions_of(sender_id, sender_events):
                conversation, session_turns = rows_of(session)
                if conversation:
                    conversation_rows.append(conversation)
                    turn_rows += session_turns
        upsert(connection, conversations, conversation_rows)
        upsert(connection, turns, turn_rows)


# --- case archive ---------------------------------------------------------------------

def load_cases(engine: Engine, url: str) -> int:
    source = create_engine(url, future=True)
    try:
        if not inspect(source).has_table(cases_table.name):
            return 0
        with engine.begin() as connection:
            since = read_position(connection, "cases")
            columns = cases_table.c
            query = select(cases_table)
            if since:
                moment = (datetime.fromisoformat(since) - REREAD_SECONDS).replace(tzinfo=timezone.utc)
                query = query.where(or_(columns.closed_at >= moment, columns.rated_at >= moment))
            with source.connect() as reading:
                cases = reading.execute(query).mappings().all()
            rows = [_case_row(case) for case in cases]
            upsert(connection, handoff_cases, rows)
            newest = max([since] + [moment.isoformat() for row in rows
                                    for moment in (row["closed_at"], row["rated_at"]) if moment])
            if newest:
                write_position(connection, "cases", newest)
        return len(rows)
    finally:
        source.dispose()


def _case_row(case: Dict[str, Any]) -> Dict[str, Any]:
    enqueued, assigned = _naive_utc(case["enqueued_at"]), _naive_utc(case["assigned_at"])
    agent_times = [line.get("time") for line in case["transcript"] or []
                   if line.get("sender") == "agent" and isinstance(line.get("time"), (int, float))]
    first_agent = _utc_from_epoch(min(agent_times)) if agent_times else None
    return {
        "case_id": case["case_id"],
        "conversation_id": case["conversation_id"],
        "channel": case["channel"] or None,
        "reason": case["reason"],
        "team": case["skill"],
        "category": case["category"],
        "enqueued_at": enqueued,
        "assigned_at": assigned,
        "closed_at": _naive_utc(case["closed_at"]),
        "waiting_seconds": case["waiting_seconds"],
        "handling_seconds": case["handling_seconds"],
        "first_response_seconds": _seconds(enqueued, first_agent),
        "reply_seconds": _seconds(assigned, first_agent),
        "rating": case["rating"],
        "rated_at": _naive_utc(case["rated_at"]),
    }


# --- knowledge gaps -------------------------------------------------------------------

def load_gaps(engine: Engine, url: str) -> int:
    return _load_by_id(engine, url, "gaps", "gaps", _gap_row, knowledge_gaps)


def _gap_row(gap: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "gap_id": gap["id"],
        "at": _naive_utc(gap["at"]),
        "question": mask_text(gap["question"] or ""),
        "language": gap["language"],
        "channel": gap["channel"],
        "best_article": gap["best_article"],
        "best_score": gap["best_score"],
        "conversation_id": gap["conversation_id"],
    }


def _load_by_id(engine: Engine, url: str, table_name: str, source_name: str, to_row, target) -> int:
    source = create_engine(url, future=True)
    try:
        if not inspect(source).has_table(table_name):
            return 0
        table = Table(table_name, MetaData(), autoload_with=source)
        with engine.begin() as connection:
            last = int(read_position(connection, source_name, "0"))
            with source.connect() as reading:
                found = reading.execute(
                    select(table).where(table.c.id > last - REREAD_IDS).order_by(table.c.id)
                ).mappings().all()
            upsert(connection, target, [to_row(row) for row in found])
            if found:
                write_position(connection, source_name, str(max(last, found[-1]["id"])))
        return len(found)
    finally:
        source.dispose()


# --- return requests ------------------------------------------------------------------

def load_returns(engine: Engine, url: str) -> int:
    """New returns, and returns with a new status event (their status changed)."""
    source = create_engine(url, future=True)
    try:
        if not inspect(source).has_table("returns"):
            return 0
        meta = MetaData()
        returns = Table("returns", meta, autoload_with=source)
        events = Table("return_events", meta, autoload_with=source)
        with engine.begin() as connection:
            position = json.loads(read_position(connection, "returns", "{}"))
            last_return, last_event = position.get("return_id", 0), position.get("event_id", 0)
            with source.connect() as reading:
                changed = select(events.c.return_id).where(events.c.id > last_event)
                found = reading.execute(
                    select(returns).where(or_(returns.c.id > last_return, returns.c.id.in_(changed)))
                ).mappings().all()
                newest_event = reading.execute(select(events.c.id).order_by(events.c.id.desc()).limit(1)).scalar()
            upsert(connection, return_requests, [_return_row(row) for row in found])
            write_position(connection, "returns", json.dumps({
                "return_id": max([last_return] + [row["id"] for row in found]),
                "event_id": max(last_event, newest_event or 0),
            }))
        return len(found)
    finally:
        source.dispose()


def _return_row(row: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "return_id": row["id"],
        "return_number": row["return_number"],
        "created_at": _naive_utc(datetime.fromisoformat(row["created_at"])),
        "category": row["category"],
        "reason": row["reason"],
        "outcome": row["status"],
        "refund_state": row["refund_state"],
        "pickup_city": row["pickup_city"],
        "pickup_address": mask_address(mask_text(row["pickup_address"] or "")),
    }


# --- times and the command ------------------------------------------------------------

def _utc_from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), timezone.utc).replace(tzinfo=None)


def _naive_utc(moment: Optional[datetime]) -> Optional[datetime]:
    """SQLite gives stored UTC times back without their zone, PostgreSQL with one."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _seconds(start: Optional[datetime], end: Optional[datetime]) -> Optional[float]:
    return None if start is None or end is None else (end - start).total_seconds()


def stream_redis_url() -> Optional[str]:
    """REDIS_URL, else the Redis `make run` embeds (commands/redis_server.py: its port in
    var/redis/port, its password in var/secrets), so a report on a running local stack
    needs no settings; None when that Redis is not running."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    port, secret = VAR / "redis" / "port", VAR / "secrets" / "REDIS_PASSWORD"
    if not (port.exists() and secret.exists()):
        return None
    url = f"redis://:{secret.read_text().strip()}@127.0.0.1:{port.read_text().strip()}/0"
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


def load_from_environment(engine: Engine) -> Dict[str, int]:
    return load_all(engine, stream_redis_url(), os.environ.get("ANALYTICS_STREAM") or STREAM,
                    handoff_database_url(), knowledge_database_url(),
                    f"sqlite:///{carrier_demo_db()}")


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="",
                        help="the analytics tables (default ANALYTICS_DATABASE_URL or var/analytics.db)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    engine = open_warehouse(args.database_url)
    try:
        for source, count in load_from_environment(engine).items():
            print(f"{source}: {count} rows read")
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
