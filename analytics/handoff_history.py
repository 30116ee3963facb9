"""Handoffs per hour as the case archive (handoff/cases.py) recorded them; read only.

Every closed handoff is a row of the `cases` table (SQLite var/handoff.db by default,
PostgreSQL by HANDOFF_DATABASE_URL). What staffing takes from it, per hour of arrival
(`enqueued_at`, in UTC):

  arrivals         cases that entered the queue in that hour
  handle times     `handling_seconds`: from an agent taking the case to closing it
  abandoned        cases no agent took (`assigned_at` empty): the customer left the
                   queue and a message for a callback instead
  agents working   distinct agents with a case open (taken, not yet closed) in the hour:
                   the agents surely online then; idle agents leave no trace here

This module only selects: it neither creates the tables nor touches a row, unlike
CaseArchive, which is the handoff service's writer.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Set

from sqlalchemy import create_engine, inspect, select
from sqlalchemy.engine import make_url

from analytics.forecast import HOUR, History, whole_hour
from foundation.settings import handoff_database_url
from handoff.cases import cases_table


@dataclass
class HandoffHistory:
    arrivals: History
    handle_seconds: Dict[datetime, List[float]] = field(default_factory=dict)
    abandoned: int = 0
    answered_wait_seconds: float = 0.0  # summed over the cases an agent took
    agents_working: Dict[datetime, int] = field(default_factory=dict)

    @property
    def cases(self) -> int:
        return int(sum(self.arrivals.counts.values()))

    def mean_patience_seconds(self) -> Optional[float]:
        """The usual estimate for exponential patience: time spent waiting / customers
        who gave up (Brown et al., "Statistical analysis of a telephone call center",
        JASA 2005). The archive keeps no wait for callbacks, so only the answered
        customers' waits count: the patience comes out short, which makes Erlang A a
        little optimistic. None without a case that was given up."""
        if not self.abandoned or not self.answered_wait_seconds:
            return None
        return self.answered_wait_seconds / self.abandoned


def load_history(start: datetime, end: datetime, url: Optional[str] = None) -> HandoffHistory:
    """The cases that arrived in [start, end) (naive UTC datetimes)."""
    url = url or handoff_database_url()
    if not _may_exist(url):
        return HandoffHistory(History({}, start, end))
    engine = create_engine(url, future=True)
    try:
        if not inspect(engine).has_table(cases_table.name):
            return HandoffHistory(History({}, start, end))
        columns = cases_table.c
        query = select(
            columns.enqueued_at, columns.assigned_at, columns.closed_at,
            columns.handling_seconds, columns.waiting_seconds, columns.agent_id,
        ).where(columns.enqueued_at >= _aware(start), columns.enqueued_at < _aware(end))
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    finally:
        engine.dispose()
    return _summarise(rows, start, end)


def _may_exist(url: str) -> bool:
    """False for an SQLite file that is not there: connecting would create it."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return True
    return Path(parsed.database).exists()


def _summarise(rows, start: datetime, end: datetime) -> HandoffHistory:
    counts: Dict[datetime, int] = defaultdict(int)
    handle: Dict[datetime, List[float]] = defaultdict(list)
    working: Dict[datetime, Set[str]] = defaultdict(set)
    abandoned, waited = 0, 0.0
    for enqueued_at, assigned_at, closed_at, handling, waiting, agent_id in rows:
        hour = whole_hour(_utc(enqueued_at))
        counts[hour] += 1
        if assigned_at is None:
            abandoned += 1
            continue
        waited += waiting or 0.0
        if handling is not None:
            handle[hour].append(handling)
        if agent_id:
            for busy_hour in _hours_between(_utc(assigned_at), _utc(closed_at)):
                working[busy_hour].add(agent_id)
    return HandoffHistory(
        arrivals=History(dict(counts), start, end),
        handle_seconds=dict(handle),
        abandoned=abandoned,
        answered_wait_seconds=waited,
        agents_working={hour: len(agents) for hour, agents in working.items()},
    )


def _utc(moment: datetime) -> datetime:
    """Naive UTC: SQLite gives stored times back without their zone, PostgreSQL with."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _aware(moment: datetime) -> datetime:
    """Compared as UTC on PostgreSQL whatever the session's time zone."""
    return moment.replace(tzinfo=timezone.utc)


def _hours_between(start: datetime, end: datetime) -> List[datetime]:
    hours, hour = [], whole_hour(start)
    while hour < end or not hours:
        hours.append(hour)
        hour += HOUR
    return hours
