"""A generated month (commands/generate_month.py) on a private stack under a simulated
clock, and the analytics report of that month, made once per test run and shared by
tests/stack/test_analytics_month.py and tests/browser/test_analytics_report_page.py.

The stack lives only while the month is played and reported: the report is a folder of
files, which is all the tests read afterwards."""
import csv
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from sqlalchemy import create_engine, select

from actions.carrier.demo_schema import returns_table
from commands.generate_month import GENERATOR_ENVIRONMENT, Assistant, analytics_environment, generate
from commands.month_figures import Figures, expected_figures
from commands.simulated_clock import SimulatedClock, faketime_library
from foundation.settings import ROOT
from handoff.demo_users import ensure_demo_users
from services import start_stack

FIRST_DAY = date(2026, 11, 1)
DAYS = 30
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
SEED = 1


@dataclass
class Month:
    expected: Figures
    reports: List[Path]  # the same period reported twice, the load run before each
    conversations: int
    seconds: float  # playing the month


_made: Optional[Month] = None


def generated_month(model_path: Path, directory: Path) -> Month:
    """The month and its reports, made at the first call of the test run."""
    global _made
    if _made is None:
        if faketime_library() is None:
            pytest.skip("libfaketime is not installed: run commands/install-faketime.sh")
        _made = _make(model_path, directory)
    return _made


def _make(model_path: Path, directory: Path) -> Month:
    clock = SimulatedClock(directory / "clock")
    # The stack starts the evening before the month; its clock only moves forward.
    clock.set(datetime(2026, 10, 31, 6, tzinfo=timezone.utc).timestamp())
    stack = start_stack(model_path, "", directory / "var", clock=clock, environment=GENERATOR_ENVIRONMENT)
    try:
        settings = stack.settings
        assistant = Assistant.of(stack, clock, "agent1", ensure_demo_users(settings.users_file)["agent1"])
        seeded = _seeded_returns(settings.var_dir / "carrier.db")
        started = time.monotonic()
        played = generate(assistant, FIRST_DAY, DAYS, SEED)
        seconds = time.monotonic() - started
        expected = expected_figures(played)
        _add_counts(expected, seeded)
        environment = {**settings.process_environment(), **analytics_environment(directory)}
        reports = [_report(environment, directory / f"report-{run}") for run in (1, 2)]
    finally:
        stack.stop()
    print(f"\n[analytics month] {len(played)} conversations played in {seconds:.0f} s")
    return Month(expected, reports, len(played), seconds)


def _seeded_returns(carrier_db: Path) -> Figures:
    """The demo carrier's own returns of the month, there before any customer came:
    the report counts them with the month's."""
    engine = create_engine(f"sqlite:///{carrier_db}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(returns_table)).mappings().all()
    finally:
        engine.dispose()
    counts: Counter = Counter()
    for row in rows:
        made = datetime.fromisoformat(row["created_at"]).astimezone(timezone.utc).date()
        if FIRST_DAY <= made <= LAST_DAY:
            counts[("returns", "all")] += 1
            for key, column in (("category", "category"), ("reason", "reason"), ("outcome", "status")):
                counts[("returns", f"{key}={row[column]}")] += 1
    return dict(counts)


def _add_counts(figures: Figures, more: Figures) -> None:
    for key, count in more.items():
        figures[key] = figures.get(key, 0) + count


def _report(environment: Dict[str, str], out: Path) -> Path:
    """`python -m analytics.report` over the month (which loads first); its folder."""
    done = subprocess.run(
        [sys.executable, "-m", "analytics.report", "--from", FIRST_DAY.isoformat(),
         "--to", LAST_DAY.isoformat(), "--out", str(out)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].endswith("index.html"), done.stdout
    return out


def read_figures(report: Path) -> Dict[Tuple[str, str], float]:
    with open(report / "figures.csv", newline="", encoding="utf-8") as opened:
        return {(row["metric"], row["segment"]): float(row["value"]) for row in csv.DictReader(opened)}

