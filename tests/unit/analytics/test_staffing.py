"""The staffing table and its command (analytics/staffing.py) over a small archive in
SQLite, written with the handoff library's own archive (handoff/cases.py)."""
from datetime import datetime, timedelta, timezone

import pytest

from analytics.handoff_history import load_history
from analytics.staffing import EmptyArchive, Targets, main, staffing_table
from handoff.cases import CaseArchive, ClosedCase

MONDAY = datetime(2026, 11, 2)  # history: Monday 2 to Sunday 15 November 2026 (UTC)
END = MONDAY + timedelta(weeks=2)


def epoch(moment):
    return moment.replace(tzinfo=timezone.utc).timestamp()


def case(number, arrived, handle_seconds=180.0, waited=30.0, agent="agent1", taken=True):
    enqueued = epoch(arrived)
    assigned = enqueued + waited if taken else None
    return ClosedCase(
        conversation_id=f"web-{number}", customer_key=f"conversation:web-{number}",
        reason="parcel_exception", skill="tracking", priority=1,
        category="resolved" if taken else "callback_promised", department="customer_service",
        enqueued_at=enqueued, assigned_at=assigned, agent_id=agent,
        closed_at=(assigned if taken else enqueued) + handle_seconds, case_id=f"case{number:05d}",
    )


@pytest.fixture(scope="module")
def archive_url(tmp_path_factory):
    """Two weeks: every Monday 09:00–10:00, 40 handoffs of 180 s handled by two agents;
    every other day 10:00, one of 300 s. In the second week's Monday peak, 5 of the 40
    customers gave up and left a callback message."""
    url = f"sqlite:///{tmp_path_factory.mktemp('archive') / 'handoff.db'}"
    archive = CaseArchive(url)
    number = 0
    for week in range(2):
        monday_nine = MONDAY + timedelta(weeks=week, hours=9)
        for n in range(40):
            number += 1
            archive.archive(case(number, monday_nine + timedelta(seconds=n * 80),
                                 agent=f"agent{n % 2 + 1}", taken=not (week == 1 and n < 5)))
        for day in range(1, 7):
            number += 1
            archive.archive(case(number, MONDAY + timedelta(weeks=week, days=day, hours=10),
                                 handle_seconds=300.0))
    archive.close()
    return url


def test_the_monday_peak_is_staffed_from_the_archive(archive_url):
    history = load_history(MONDAY, END, archive_url)
    assert history.cases == 2 * (40 + 6)
    assert history.abandoned == 5
    rows = staffing_table(history, days=2, what_if=3)
    assert len(rows) == 48
    peak = next(row for row in rows if row.hour == datetime(2026, 11, 16, 9))
    # (40 + 40) / 2 Mondays = 40 an hour, and the second week holds as many as the
    # first: no trend. 40 × 180 s / 3600 s = 2 Erlangs.
    assert peak.arrivals == pytest.approx(40)
    assert peak.handle_seconds == pytest.approx(180)
    assert peak.erlang_c.load == pytest.approx(2.0)
    # 2 Erlangs at 80 % within 20 s: 3 agents give 1 − 0.4444·e^(−20/180) = 60 %, 4
    # agents 1 − 0.1739·e^(−40/180) = 86 %; 4 on the floor, ⌈4 / 0.7⌉ = 6 on the rota.
    assert (peak.erlang_c.agents, peak.erlang_c.scheduled) == (4, 6)
    assert peak.worked_week_before == 2  # agent1 and agent2 had cases open then
    assert peak.what_if.load == pytest.approx(6.0)
    assert peak.what_if.agents > peak.erlang_c.agents
    # Callers who give up make Erlang A ask no more than Erlang C.
    assert peak.erlang_a is not None and peak.erlang_a.agents <= peak.erlang_c.agents
    quiet = next(row for row in rows if row.hour == datetime(2026, 11, 16, 3))
    assert quiet.arrivals == 0 and quiet.erlang_c.agents == 0
    tuesday = next(row for row in rows if row.hour == datetime(2026, 11, 17, 10))
    assert (tuesday.arrivals, tuesday.handle_seconds) == (pytest.approx(1), pytest.approx(300))


def test_without_given_up_cases_there_is_no_erlang_a(archive_url):
    first_week = load_history(MONDAY, MONDAY + timedelta(weeks=1), archive_url)
    assert first_week.abandoned == 0
    rows = staffing_table(first_week, days=1)
    assert all(row.erlang_a is None and row.what_if is None for row in rows)
    with_patience = staffing_table(first_week, days=1, targets=Targets(patience_seconds=60))
    assert all(row.erlang_a is not None for row in with_patience)


def test_an_empty_archive_says_so(tmp_path, archive_url, capsys):
    with pytest.raises(EmptyArchive, match="no handoff"):
        staffing_table(load_history(END, END + timedelta(weeks=1), archive_url), days=1)
    missing = f"sqlite:///{tmp_path / 'never-written.db'}"
    assert main(["--from", "2026-11-01", "--to", "2026-11-07", "--database-url", missing]) == 1
    assert "holds no handoff" in capsys.readouterr().err
    assert not (tmp_path / "never-written.db").exists()  # read only: nothing created


def test_the_command_prints_the_table(archive_url, capsys):
    code = main(["--from", "2026-11-02", "--to", "2026-11-15", "--days", "1",
                 "--what-if", "3", "--database-url", archive_url])
    out = capsys.readouterr().out
    assert code == 0
    assert "92 handoffs from 2026-11-02 to 2026-11-15, 5 given up" in out
    assert "arrivals x3" in out
    peak = next(line for line in out.splitlines() if "2026-11-16 09:00" in line)
    assert peak.split()[3:5] == ["40.0", "180"]
    assert "4/6" in peak
