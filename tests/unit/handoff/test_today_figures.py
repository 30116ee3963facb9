"""Today's figures of the supervisor page (handoff/today_figures.py): seeded archive
rows and a live queue, read at a fixed moment, never the wall clock."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from handoff.cases import ABANDONED, CaseArchive, ClosedCase
from handoff.today_figures import LiveQueue, business_day, read_today

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=SHANGHAI)
NOBODY_LIVE = LiveQueue(waiting=0, with_agents=[], callbacks_left=0)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds of a Shanghai time in November 2026."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI).timestamp()


@pytest.fixture
def archive(database_url):
    opened = CaseArchive(database_url)
    yield opened
    opened.close()


def archive_case(archive, name, enqueued, waited=None, closed_after=300.0, category="resolved",
                 rating=None, rated_at=None):
    """A case that entered the queue at `enqueued`; an agent took it after `waited`
    seconds (None: nobody did)."""
    archive.archive(ClosedCase(
        conversation_id=name, customer_key=f"conversation:{name}", reason="general", skill="general",
        priority=2, category=category, department="customer_service",
        enqueued_at=enqueued, assigned_at=None if waited is None else enqueued + waited,
        closed_at=enqueued + closed_after, agent_id=None if waited is None else "ana",
    ))
    if rating is not None:
        archive.set_rating(name, rating, now=rated_at)


def test_a_day_of_answered_abandoned_and_callback_cases_with_the_queue_now(archive):
    archive_case(archive, "quick", at(18, 9), waited=10, rating=5, rated_at=at(18, 9, 10))
    archive_case(archive, "slow", at(18, 10), waited=30, rating=3, rated_at=at(18, 10, 10))
    archive_case(archive, "left", at(18, 11), category=ABANDONED, closed_after=60)
    archive_case(archive, "called-back", at(18, 8, 30), category="callback_promised")
    # Yesterday's case, rated yesterday: in none of today's figures.
    archive_case(archive, "yesterday", at(17, 23, 0), waited=200, closed_after=900,
                 rating=1, rated_at=at(17, 23, 30))
    live = LiveQueue(waiting=2, with_agents=[(at(18, 14, 59), at(18, 14, 59, 5))], callbacks_left=1)

    figures = read_today(archive, NOW, live, SHANGHAI)

    assert figures.day == date(2026, 11, 18)
    assert figures.handoffs == 7  # 4 archived today, 2 waiting, 1 with an agent
    assert figures.answered == 3
    assert figures.abandoned == 1
    assert figures.waiting == 2
    assert figures.with_agents == 1
    # Waits of the answered: 10 s, 30 s and 5 s; two of the four offered within 20 s.
    assert figures.answered_within_target == 2
    assert figures.service_level == pytest.approx(0.5)
    assert figures.wait_p50_seconds == pytest.approx(10.0)
    assert figures.wait_p95_seconds == pytest.approx(30.0)
    assert figures.average_rating == pytest.approx(4.0)
    assert figures.ratings == 2
    assert figures.callbacks_left == 1


def test_the_day_runs_from_shanghai_midnight_to_midnight(archive):
    archive_case(archive, "last-of-yesterday", at(17, 23, 59, 59), waited=1, closed_after=30)
    archive_case(archive, "first-of-today", at(18, 0, 0, 0), waited=1, closed_after=30)
    archive_case(archive, "first-of-tomorrow", at(19, 0, 0, 0), waited=1, closed_after=30)

    figures = read_today(archive, NOW, NOBODY_LIVE, SHANGHAI)

    assert (figures.handoffs, figures.answered) == (1, 1)
    # 17:00 UTC on the 18th is already the 19th in Shanghai.
    start, end = business_day(datetime.fromisoformat("2026-11-18T17:00:00+00:00"), SHANGHAI)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-18T16:00:00+00:00", "2026-11-19T16:00:00+00:00")


def test_a_rating_counts_on_the_day_it_is_given(archive):
    archive_case(archive, "closed-late", at(17, 23, 0), waited=5, closed_after=600,
                 rating=2, rated_at=at(18, 0, 5))

    figures = read_today(archive, NOW, NOBODY_LIVE, SHANGHAI)

    assert figures.handoffs == 0
    assert (figures.average_rating, figures.ratings) == (2.0, 1)


def test_an_empty_day_has_counts_of_zero_and_no_rates(archive):
    figures = read_today(archive, NOW, NOBODY_LIVE, SHANGHAI)

    assert (figures.handoffs, figures.answered, figures.abandoned, figures.callbacks_left) == (0, 0, 0, 0)
    assert figures.service_level is None
    assert figures.wait_p50_seconds is None and figures.wait_p95_seconds is None
    assert figures.average_rating is None
    assert figures.as_json()["day"] == "2026-11-18"


def test_a_conversation_an_agent_took_yesterday_is_not_todays(archive):
    live = LiveQueue(waiting=0, with_agents=[(at(17, 21), at(17, 21, 1))], callbacks_left=0)

    figures = read_today(archive, NOW, live, SHANGHAI)

    assert (figures.handoffs, figures.answered, figures.with_agents) == (0, 0, 0)
