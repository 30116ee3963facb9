"""Today's figures for the supervisor page: the case archive (handoff/cases.py) of the
business day so far, plus what the queue holds right now.

"Today" is the business day in HANDOFF_TIMEZONE (Asia/Shanghai) of the moment given,
midnight to midnight; callers pass that moment (courier_now, or a fixed one in tests).

Definitions (a case belongs to the day it entered the queue, or was closed when it
never did; a rating to the day it was given):

  handoffs       archived cases of today + customers waiting now + conversations
                 agents have now (those that entered the queue today)
  answered       cases an agent took (archived with an assignment, or with an agent now)
  abandoned      customers who left the queue before an agent took them
  answered in 20 s   answered within SERVICE_LEVEL_SECONDS of entering the queue, as a
                 share of answered + abandoned (callbacks are not queued, so not in it)
  wait p50/p95   waiting time of the answered ones (nearest rank)
  average CSAT   the 1-5 ratings customers gave today
  callbacks left callback messages not yet called back, whatever day they were left
"""
import math
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from handoff.cases import ABANDONED, CaseArchive, cases_table

SERVICE_LEVEL_SECONDS = 20


@dataclass(frozen=True)
class LiveQueue:
    """What the queue holds now."""

    waiting: int
    # (entered the queue, taken by the agent), epoch seconds, of each conversation an agent has
    with_agents: Sequence[Tuple[Optional[float], Optional[float]]]
    callbacks_left: int


@dataclass(frozen=True)
class TodayFigures:
    day: date
    handoffs: int
    answered: int
    abandoned: int
    waiting: int
    with_agents: int
    answered_within_target: int
    service_level: Optional[float]  # 0..1; None before anyone was answered or left
    service_level_seconds: int
    wait_p50_seconds: Optional[float]
    wait_p95_seconds: Optional[float]
    average_rating: Optional[float]
    ratings: int
    callbacks_left: int

    def as_json(self) -> Dict[str, Any]:
        return {**asdict(self), "day": self.day.isoformat()}


def business_day(moment: datetime, zone: ZoneInfo) -> Tuple[datetime, datetime]:
    """The start and end (UTC) of the business day `moment` falls in."""
    local_day = moment.astimezone(zone).date()
    start = datetime.combine(local_day, time(0), zone)
    end = datetime.combine(local_day + timedelta(days=1), time(0), zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def read_today(archive: CaseArchive, moment: datetime, live: LiveQueue, zone: ZoneInfo) -> TodayFigures:
    """Today's figures from the archive's rows of the day and the live queue."""
    start, end = business_day(moment, zone)
    columns = cases_table.c
    with archive.engine.connect() as connection:
        rows = connection.execute(
            select(columns.category, columns.enqueued_at, columns.assigned_at, columns.closed_at,
                   columns.waiting_seconds, columns.rating, columns.rated_at)
            .where(or_(columns.closed_at >= start, columns.rated_at >= start))
        ).mappings().all()
    return figures(rows, live, start, end, moment.astimezone(zone).date())


def figures(
    rows: Iterable[Dict[str, Any]], live: LiveQueue, start: datetime, end: datetime, day: date
) -> TodayFigures:
    """The figures of archived case rows (columns of cases_table) and the live queue,
    for the day from `start` to `end` (UTC)."""
    rows = list(rows)
    today = [row for row in rows if _within(row["enqueued_at"] or row["closed_at"], start, end)]
    answered_waits = [
        row["waiting_seconds"] or 0.0 for row in today
        if row["assigned_at"] is not None and row["category"] != ABANDONED
    ]
    start_seconds, end_seconds = start.timestamp(), end.timestamp()
    live_today = [
        (enqueued, assigned) for enqueued, assigned in live.with_agents
        if enqueued is None or start_seconds <= enqueued < end_seconds
    ]
    answered_waits += [
        max(0.0, assigned - enqueued) for enqueued, assigned in live_today
        if enqueued is not None and assigned is not None
    ]
    answered = sum(1 for row in today if row["assigned_at"] is not None and row["category"] != ABANDONED)
    answered += len(live_today)
    abandoned = sum(1 for row in today if row["category"] == ABANDONED)
    within = sum(1 for wait in answered_waits if wait <= SERVICE_LEVEL_SECONDS)
    ratings = [row["rating"] for row in rows if row["rating"] is not None and _within(row["rated_at"], start, end)]
    offered = answered + abandoned
    return TodayFigures(
        day=day,
        handoffs=len(today) + live.waiting + len(live_today),
        answered=answered,
        abandoned=abandoned,
        waiting=live.waiting,
        with_agents=len(live_today),
        answered_within_target=within,
        service_level=within / offered if offered else None,
        service_level_seconds=SERVICE_LEVEL_SECONDS,
        wait_p50_seconds=_percentile(answered_waits, 0.50),
        wait_p95_seconds=_percentile(answered_waits, 0.95),
        average_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
        ratings=len(ratings),
        callbacks_left=live.callbacks_left,
    )


def _within(moment: Optional[datetime], start: datetime, end: datetime) -> bool:
    if moment is None:
        return False
    if moment.tzinfo is None:  # SQLite gives the stored UTC time back without its zone
        moment = moment.replace(tzinfo=timezone.utc)
    return start <= moment < end


def _percentile(values: List[float], share: float) -> Optional[float]:
    """Nearest rank: the smallest value at least `share` of the values are not above."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 1)
