"""Every closed handoff case, archived to SQL for analysts and for the customer's history.

SQLite by default (var/handoff.db), PostgreSQL by URL (HANDOFF_DATABASE_URL). Two
tables, created when missing:

  cases       one row per closed case: who (a customer key that holds no phone
              number, see customer_keys.py), why, where it was routed, what the agent
              decided (category, department, disposition), the bot's summary, parcels,
              returns, the transcript, times, the rating
  case_notes  the agent's internal notes on a case

Phone numbers in every free text (transcript, summary, disposition, notes) are masked
as they are archived (foundation.privacy.mask_text): agents and customers write them.

Times come in as epoch seconds, as the handoff queue keeps them, and are stored as
timezone-aware timestamps in UTC. What `history` and `get` return is JSON-ready:
times as ISO 8601 text.
"""
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from foundation.settings import handoff_database_url
from foundation.privacy import mask_text
from handoff.customer_keys import PHONE_KEY_LENGTH, PHONE_PREFIX, phone_key


# What the agent chose as the outcome of a case.
CATEGORIES = (
    "resolved",
    "parcel_located",
    "redelivery_booked",
    "claim_opened",
    "return_arranged",
    "refund_explained",
    "complaint_recorded",
    "callback_promised",
    "not_resolved",
)
# Not an agent's choice: the case of a customer who left the queue before an agent took
# them (said so, or their chat was gone); archived by the service.
ABANDONED = "abandoned"
# Who is responsible for what went wrong, or for the follow-up.
DEPARTMENTS = (
    "customer_service",
    "delivery_branch",
    "transfer_centre",
    "claims",
    "returns",
    "sales",
    "it",
)

# JSONB on PostgreSQL, so analysts can query into parcels and transcripts.
_JSON = JSON().with_variant(JSONB(), "postgresql")
_TIME = DateTime(timezone=True)

metadata = MetaData()

cases_table = Table(
    "cases",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("conversation_id", String, nullable=False, index=True),
    Column("customer_key", String, nullable=False, index=True),
    Column("channel", String),
    Column("language", String),
    Column("reason", String, nullable=False),
    Column("skill", String, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("category", String, nullable=False),
    Column("department", String, nullable=False),
    Column("disposition", Text),
    Column("summary", Text),
    Column("parcels", _JSON, nullable=False),
    Column("returns", _JSON, nullable=False),
    Column("transcript", _JSON, nullable=False),
    Column("agent_id", String),
    Column("enqueued_at", _TIME),
    Column("assigned_at", _TIME),
    Column("closed_at", _TIME, nullable=False),
    Column("waiting_seconds", Float),
    Column("handling_seconds", Float),
    Column("rating", Integer),
    Column("rated_at", _TIME),
    CheckConstraint("rating BETWEEN 1 AND 5", name="ck_cases_rating"),
)

case_notes_table = Table(
    "case_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", String(32), ForeignKey("cases.case_id"), nullable=False, index=True),
    Column("agent_id", String, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", _TIME, nullable=False),
)


@dataclass
class CaseNote:
    agent_id: str
    text: str
    created_at: float


@dataclass
class ClosedCase:
    """A case as the agent closes it. Waiting and handling times are worked out from
    the timestamps; the rating comes later, from the customer (set_rating)."""

    conversation_id: str
    customer_key: str
    reason: str
    skill: str
    priority: int
    category: str
    department: str
    closed_at: float
    channel: str = ""
    language: str = ""
    disposition: str = ""
    summary: str = ""
    parcels: List[str] = field(default_factory=list)
    returns: List[str] = field(default_factory=list)
    transcript: List[Dict[str, Any]] = field(default_factory=list)
    agent_id: Optional[str] = None
    enqueued_at: Optional[float] = None
    assigned_at: Optional[float] = None  # None when no agent took it (a callback)
    notes: List[CaseNote] = field(default_factory=list)
    case_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def from_context(cls, context: Dict[str, Any], **outcome: Any) -> "ClosedCase":
        """The case of a handoff's context package (handoff.context.build_context);
        `outcome` gives the rest: category, department, closed_at, agent_id, ..."""
        return cls(
            conversation_id=context["conversation_id"],
            customer_key=context["customer"]["key"],
            reason=context["reason"],
            skill=context["skill"],
            priority=context["priority"],
            channel=context.get("channel") or "",
            language=context.get("language") or "",
            summary=context.get("summary") or "",
            parcels=list(context.get("parcels") or []),
            returns=list(context.get("returns") or []),
            transcript=list(context.get("transcript") or []),
            **outcome,
        )


class CaseArchive:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, future=True)
        metadata.create_all(self.engine)
        self._rekey_phone_numbers()

    @classmethod
    def from_environment(cls) -> "CaseArchive":
        return cls(handoff_database_url())

    def close(self) -> None:
        self.engine.dispose()

    def archive(self, case: ClosedCase) -> str:
        """Stores the case and its notes in one transaction; returns the case id.

        Archiving a case again (a retry after a lost reply) changes nothing: the first
        one stays. Phone numbers in the free texts are masked.
        """
        _check_choice("category", case.category, CATEGORIES + (ABANDONED,))
        _check_choice("department", case.department, DEPARTMENTS)
        waiting_until = case.closed_at if case.assigned_at is None else case.assigned_at
        row = {
            "case_id": case.case_id,
            "conversation_id": case.conversation_id,
            "customer_key": case.customer_key,
            "channel": case.channel,
            "language": case.language,
            "reason": case.reason,
            "skill": case.skill,
            "priority": case.priority,
            "category": case.category,
            "department": case.department,
            "disposition": mask_text(case.disposition),
            "summary": mask_text(case.summary),
            "parcels": case.parcels,
            "returns": case.returns,
            "transcript": [
                {**line, "text": mask_text(line.get("text") or "")} for line in case.transcript
            ],
            "agent_id": case.agent_id,
            "enqueued_at": _timestamp(case.enqueued_at),
            "assigned_at": _timestamp(case.assigned_at),
            "closed_at": _timestamp(case.closed_at),
            "waiting_seconds": _seconds_between(case.enqueued_at, waiting_until),
            "handling_seconds": _seconds_between(case.assigned_at, case.closed_at),
        }
        notes = [
            {
                "case_id": case.case_id,
                "agent_id": note.agent_id,
                "text": mask_text(note.text),
                "created_at": _timestamp(note.created_at),
            }
            for note in case.notes
        ]
        try:
            with self.engine.begin() as connection:
                connection.execute(cases_table.insert().values(row))
                if notes:
                    connection.execute(case_notes_table.insert(), notes)
        except IntegrityError:
            if self.get(case.case_id) is None:
                raise
        return case.case_id

    def _rekey_phone_numbers(self) -> None:
        """Cases archived before customer keys were hashed have the number itself in
        the key (phone:13812345678); they get today's key, so they still show in the
        customer's history and the number leaves the archive."""
        key = cases_table.c.customer_key
        with self.engine.begin() as connection:
            old_keys = connection.execute(
                select(key).distinct()
                .where(key.like(f"{PHONE_PREFIX}%"), func.length(key) != PHONE_KEY_LENGTH)
            ).scalars().all()
            for old_key in old_keys:
                connection.execute(
                    cases_table.update().where(key == old_key)
                    .values(customer_key=phone_key(old_key[len(PHONE_PREFIX):]))
                )

    def set_rating(
        self, conversation_id: str, rating: int, now: Optional[float] = None
    ) -> Optional[str]:
        """Rates the conversation's newest closed case, if it is not rated yet.

        Returns the case id, or None when there is no case or the newest one already
        has its rating: a repeated rating must not land on an older case.
        """
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ValueError(f"a rating is a whole number from 1 to 5, not {rating!r}")
        with self.engine.begin() as connection:
            newest = connection.execute(
                select(cases_table.c.case_id)
                .where(cases_table.c.conversation_id == conversation_id)
                .order_by(cases_table.c.closed_at.desc())
                .limit(1)
            ).scalar()
            rated = connection.execute(
                cases_table.update()
                .where(cases_table.c.case_id == newest, cases_table.c.rating.is_(None))
                .values(rating=rating, rated_at=_timestamp(time.time() if now is None else now))
            )
        return newest if rated.rowcount else None

    def history(self, customer_key: str, limit: int = 10) -> List[Dict[str, Any]]:
        """The customer's latest cases, newest first, for the agent's context package."""
        columns = cases_table.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(
                    columns.case_id,
                    columns.closed_at,
                    columns.reason,
                    columns.category,
                    columns.disposition,
                    columns.summary,
                    columns.rating,
                )
                .where(columns.customer_key == customer_key)
                .order_by(columns.closed_at.desc())
                .limit(limit)
            ).mappings()
            return [{**row, "closed_at": _iso(row["closed_at"])} for row in rows]

    def get(self, case_id: str) -> Optional[Dict[str, Any]]:
        """The whole case with its notes, oldest note first."""
        with self.engine.connect() as connection:
            case = connection.execute(
                select(cases_table).where(cases_table.c.case_id == case_id)
            ).mappings().first()
            if case is None:
                return None
            notes = connection.execute(
                select(
                    case_notes_table.c.agent_id,
                    case_notes_table.c.text,
                    case_notes_table.c.created_at,
                )
                .where(case_notes_table.c.case_id == case_id)
                .order_by(case_notes_table.c.created_at, case_notes_table.c.id)
            ).mappings()
            return {
                **{name: _iso(value) if isinstance(value, datetime) else value
                   for name, value in case.items()},
                "notes": [{**note, "created_at": _iso(note["created_at"])} for note in notes],
            }


def _check_choice(name: str, value: str, known: Sequence[str]) -> None:
    if value not in known:
        raise ValueError(f"unknown {name} {value!r}; known: {', '.join(known)}")


def _timestamp(seconds: Optional[float]) -> Optional[datetime]:
    """In UTC: SQLite keeps no time zone, so every stored time must be in the same one."""
    return None if seconds is None else datetime.fromtimestamp(seconds, timezone.utc)


def _iso(moment: Optional[datetime]) -> Optional[str]:
    if moment is None:
        return None
    # SQLite gives the stored UTC time back without its zone.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def _seconds_between(start: Optional[float], end: Optional[float]) -> Optional[float]:
    return None if start is None or end is None else end - start
