"""Agents needed per hour for the next days, from the handoffs of the past weeks.

    python -m analytics.staffing --from 2026-11-01 --to 2026-11-28 --days 3 [--what-if 3]

reads the case archive (HANDOFF_DATABASE_URL, read only; analytics/handoff_history.py)
for the handoffs that arrived from --from to --to (whole days, UTC, both included),
forecasts the arrivals of each hour of the --days days after --to (analytics/forecast.py)
and prints per hour: forecast arrivals, handle time, the agents needed (Erlang C: at work
and on the rota after shrinkage; Erlang A with the customers' patience when the archive
holds given-up cases), the agents seen working in the same hour a week before, and the
same for the arrivals × --what-if. The clock is never read: the forecast starts where the
history ends.
"""
import argparse
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import List, Optional, Sequence

from analytics import erlang
from analytics.erlang import Staffing, agents_needed
from analytics.erlang_a import agents_needed_with_patience
from analytics.forecast import DEFAULT_WEEKS, HOUR, WEEK, forecast_arrivals
from analytics.handoff_history import HandoffHistory, load_history

INTERVAL_SECONDS = 3600.0


@dataclass(frozen=True)
class Targets:
    service_level: float = erlang.DEFAULT_SERVICE_LEVEL
    target_seconds: float = erlang.DEFAULT_TARGET_SECONDS
    max_occupancy: float = erlang.DEFAULT_MAX_OCCUPANCY
    shrinkage: float = erlang.DEFAULT_SHRINKAGE
    # Seconds; None: estimated from the archive's given-up cases, if there are any.
    patience_seconds: Optional[float] = None


@dataclass(frozen=True)
class StaffingRow:
    hour: datetime
    arrivals: float
    handle_seconds: float
    erlang_c: Staffing
    erlang_a: Optional[Staffing]  # None without abandonment data
    worked_week_before: Optional[int]  # None when that hour is outside the history
    what_if: Optional[Staffing]  # Erlang C for arrivals × the what-if multiplier


class EmptyArchive(Exception):
    pass


def mean_handle_seconds(history: HandoffHistory, hour: datetime) -> Optional[float]:
    """The mean handle time of the cases that arrived in the same weekday-hour; of all
    cases when that hour has none; None when no case was handled at all."""
    same = [seconds for past, times in history.handle_seconds.items()
            if (past.weekday(), past.hour) == (hour.weekday(), hour.hour) for seconds in times]
    every = [seconds for times in history.handle_seconds.values() for seconds in times]
    chosen = same or every
    return sum(chosen) / len(chosen) if chosen else None


def staffing_table(history: HandoffHistory, days: int, targets: Targets = Targets(),
                   what_if: Optional[float] = None,
                   weeks: int = DEFAULT_WEEKS) -> List[StaffingRow]:
    """One row per hour of the `days` days after the history."""
    if history.cases == 0:
        raise EmptyArchive(
            f"The case archive holds no handoff that arrived between {history.arrivals.start}"
            f" and {history.arrivals.end} (UTC): nothing to forecast from."
        )
    if not history.handle_seconds:
        raise EmptyArchive("No archived case was handled by an agent: no handle time to plan with.")
    patience = targets.patience_seconds or history.mean_patience_seconds()
    rows = []
    for forecast in forecast_arrivals(history.arrivals, history.arrivals.end, days, weeks):
        handle = mean_handle_seconds(history, forecast.hour)
        week_before = forecast.hour - WEEK
        rows.append(StaffingRow(
            hour=forecast.hour,
            arrivals=forecast.arrivals,
            handle_seconds=handle,
            erlang_c=_erlang_c(forecast.arrivals, handle, targets),
            erlang_a=None if patience is None else _erlang_a(forecast.arrivals, handle,
                                                              patience, targets),
            worked_week_before=(history.agents_working.get(week_before, 0)
                                if history.arrivals.covers(week_before) else None),
            what_if=None if what_if is None else _erlang_c(forecast.arrivals * what_if,
                                                           handle, targets),
        ))
    return rows


def _erlang_c(arrivals: float, handle: float, targets: Targets) -> Staffing:
    return agents_needed(arrivals, INTERVAL_SECONDS, handle, targets.service_level,
                         targets.target_seconds, targets.max_occupancy, targets.shrinkage)


def _erlang_a(arrivals: float, handle: float, patience: float, targets: Targets) -> Staffing:
    return agents_needed_with_patience(
        arrivals, INTERVAL_SECONDS, handle, patience, targets.service_level,
        targets.target_seconds, targets.max_occupancy, targets.shrinkage)


def render(rows: Sequence[StaffingRow], what_if: Optional[float] = None) -> str:
    """The table as text: agents as 'at work/on the rota'."""
    header = ["hour (UTC)", "arrivals", "AHT s", "Erlang C", "Erlang A", "abandon",
              "worked wk-1"]
    if what_if is not None:
        header += [f"arrivals x{what_if:g}", f"Erlang C x{what_if:g}"]
    lines = [header]
    for row in rows:
        line = [
            row.hour.strftime("%a %Y-%m-%d %H:00"),
            f"{row.arrivals:.1f}",
            f"{row.handle_seconds:.0f}",
            _agents(row.erlang_c),
            _agents(row.erlang_a) if row.erlang_a else "-",
            f"{row.erlang_a.abandonment:.1%}" if row.erlang_a else "-",
            "-" if row.worked_week_before is None else str(row.worked_week_before),
        ]
        if row.what_if is not None:
            line += [f"{row.arrivals * what_if:.1f}", _agents(row.what_if)]
        lines.append(line)
    widths = [max(len(line[n]) for line in lines) for n in range(len(header))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(line, widths))
                     for line in lines)


def _agents(staffing: Staffing) -> str:
    return f"{staffing.agents}/{staffing.scheduled}"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-28")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics.staffing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="first", type=_day, required=True,
                        help="first day of the history (UTC)")
    parser.add_argument("--to", dest="last", type=_day, required=True,
                        help="last day of the history (UTC, included); the forecast follows")
    parser.add_argument("--days", type=int, default=3, help="days to forecast (default 3)")
    parser.add_argument("--what-if", type=float, help="also plan for arrivals times this")
    parser.add_argument("--weeks", type=int, default=DEFAULT_WEEKS,
                        help=f"weeks of history per forecast (default {DEFAULT_WEEKS})")
    parser.add_argument("--service-level", type=float, default=erlang.DEFAULT_SERVICE_LEVEL)
    parser.add_argument("--target-seconds", type=float, default=erlang.DEFAULT_TARGET_SECONDS)
    parser.add_argument("--max-occupancy", type=float, default=erlang.DEFAULT_MAX_OCCUPANCY)
    parser.add_argument("--shrinkage", type=float, default=erlang.DEFAULT_SHRINKAGE)
    parser.add_argument("--patience", type=float,
                        help="customers' mean patience in seconds (default: from the archive)")
    parser.add_argument("--database-url", help="the case archive (default HANDOFF_DATABASE_URL)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.last < args.first or args.days < 1 or args.weeks < 1:
        parser.error("--to must not be before --from; --days and --weeks must be at least 1")
    start = datetime.combine(args.first, datetime.min.time())
    end = datetime.combine(args.last, datetime.min.time()) + timedelta(days=1)
    targets = Targets(args.service_level, args.target_seconds, args.max_occupancy,
                      args.shrinkage, args.patience)
    history = load_history(start, end, args.database_url)
    try:
        rows = staffing_table(history, args.days, targets, args.what_if, args.weeks)
    except EmptyArchive as empty:
        print(empty, file=sys.stderr)
        return 1
    except ValueError as wrong:
        parser.error(str(wrong))
    print(_summary(history, targets, end))
    print(render(rows, args.what_if))
    return 0


def _summary(history: HandoffHistory, targets: Targets, end: datetime) -> str:
    patience = targets.patience_seconds or history.mean_patience_seconds()
    return (
        f"{history.cases} handoffs from {history.arrivals.start:%Y-%m-%d} to "
        f"{end - HOUR:%Y-%m-%d}, {history.abandoned} given up; target "
        f"{targets.service_level:.0%} answered within {targets.target_seconds:g} s, "
        f"occupancy at most {targets.max_occupancy:.0%}, shrinkage {targets.shrinkage:.0%}; "
        + (f"patience {patience:.0f} s. " if patience else "no abandonment data: no Erlang A. ")
        + "Agents: at work/on the rota."
    )


if __name__ == "__main__":
    sys.exit(main())
