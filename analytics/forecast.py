"""Arrivals per hour for the next days, from the arrivals per hour of the past weeks.

The method, seasonal naive with a level correction (as in Hyndman & Athanasopoulos,
"Forecasting: principles and practice", §5.2 "seasonal naïve" averaged over weeks):

1. Seasonal base: the arrivals in the same weekday-hour, averaged over the last
   `weeks` weeks that the history covers (an hour of the history with no arrival counts
   as 0; weeks before the history began do not count). With less than a week of
   history, the same hour of the day averaged over the days there are.
2. Trend: the arrivals of the last 7 days of the history divided by the average week
   of the history's last `weeks` weeks, kept between 0.5 and 2 so one odd week cannot
   halve or double the plan; 1 with less than two weeks of history.
3. Forecast = base × trend; a what-if multiplies it once more ("arrivals × 3").

Hours are naive datetimes in UTC, whole hours.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Mapping

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
DEFAULT_WEEKS = 4
TREND_LIMITS = (0.5, 2.0)


def whole_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def hourly_counts(arrivals: Iterable[datetime]) -> Dict[datetime, int]:
    """Arrival moments counted per whole hour."""
    return dict(Counter(whole_hour(moment) for moment in arrivals))


@dataclass(frozen=True)
class History:
    """Arrivals per hour over [start, end): hours absent from `counts` had none."""

    counts: Mapping[datetime, float]
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("the history must end after it starts")

    def covers(self, hour: datetime) -> bool:
        return self.start <= hour and hour + HOUR <= self.end

    def at(self, hour: datetime) -> float:
        return self.counts.get(hour, 0)

    def total(self, start: datetime, end: datetime) -> float:
        return sum(count for hour, count in self.counts.items() if start <= hour < end)


@dataclass(frozen=True)
class HourForecast:
    hour: datetime
    arrivals: float


def seasonal_base(history: History, hour: datetime, weeks: int = DEFAULT_WEEKS) -> float:
    """Step 1 of the module's method, for one future hour."""
    step, wanted = (WEEK, weeks) if history.end - history.start >= WEEK else (DAY, 7)
    same_hours = []
    past = hour - step
    while past >= history.start and len(same_hours) < wanted:
        if history.covers(past):
            same_hours.append(past)
        past -= step
    if not same_hours:
        return 0.0
    return sum(history.at(past) for past in same_hours) / len(same_hours)


def trend(history: History, weeks: int = DEFAULT_WEEKS) -> float:
    """Step 2 of the module's method."""
    covered = min(weeks, (history.end - history.start) // WEEK)
    if covered < 2:
        return 1.0
    average_week = history.total(history.end - WEEK * covered, history.end) / covered
    if average_week == 0:
        return 1.0
    last_week = history.total(history.end - WEEK, history.end)
    low, high = TREND_LIMITS
    return min(high, max(low, last_week / average_week))


def forecast_arrivals(
    history: History, start: datetime, days: int, weeks: int = DEFAULT_WEEKS, what_if: float = 1.0,
) -> List[HourForecast]:
    """Arrivals for each hour of `days` days from `start` (a whole hour, at or after
    the end of the history), multiplied by `what_if`."""
    if start != whole_hour(start):
        raise ValueError("the forecast starts on a whole hour")
    if what_if < 0:
        raise ValueError("the what-if multiplier must not be negative")
    level = trend(history, weeks) * what_if
    hours = (start + HOUR * n for n in range(days * 24))
    return [HourForecast(hour, seasonal_base(history, hour, weeks) * level) for hour in hours]
