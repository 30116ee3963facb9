"""Arrivals per hour forecast with weekly seasonality (analytics/forecast.py)."""
from datetime import datetime, timedelta

import pytest

from analytics.forecast import HOUR, History, forecast_arrivals, hourly_counts, trend

MONDAY = datetime(2026, 11, 2)  # a Monday; all times UTC


def weeks_of(pattern, weeks, scale=lambda week: 1.0):
    """`weeks` weeks from MONDAY where weekday d, hour h gets pattern(d, h) × scale(week)."""
    counts = {}
    for day in range(7 * weeks):
        for hour in range(24):
            moment = MONDAY + timedelta(days=day, hours=hour)
            counts[moment] = pattern(day % 7, hour) * scale(day // 7)
    return History(counts, MONDAY, MONDAY + timedelta(weeks=weeks))


def peak_on_monday_morning(weekday, hour):
    return 30 if (weekday, hour) == (0, 9) else 2


def test_counts_arrival_moments_per_hour():
    moments = [datetime(2026, 11, 2, 9, 5), datetime(2026, 11, 2, 9, 59, 59),
               datetime(2026, 11, 2, 10, 0)]
    assert hourly_counts(moments) == {datetime(2026, 11, 2, 9): 2, datetime(2026, 11, 2, 10): 1}


def test_a_steady_weekly_pattern_is_forecast_as_it_was():
    history = weeks_of(peak_on_monday_morning, 4)
    forecast = forecast_arrivals(history, history.end, days=2)
    assert len(forecast) == 48
    assert forecast[0].hour == datetime(2026, 11, 30)  # the Monday after the history
    by_hour = {row.hour: row.arrivals for row in forecast}
    assert by_hour[datetime(2026, 11, 30, 9)] == pytest.approx(30)
    assert by_hour[datetime(2026, 11, 30, 10)] == pytest.approx(2)
    assert by_hour[datetime(2026, 12, 1, 9)] == pytest.approx(2)  # Tuesday: no peak


def test_the_what_if_multiplies_every_hour():
    history = weeks_of(peak_on_monday_morning, 4)
    plain = forecast_arrivals(history, history.end, days=1)
    tripled = forecast_arrivals(history, history.end, days=1, what_if=3)
    assert [row.arrivals for row in tripled] == pytest.approx([row.arrivals * 3 for row in plain])


def test_a_growing_last_week_raises_the_forecast():
    # Weeks 1–3 flat at 10 an hour, week 4 at 20: the same hours average (10+10+10+20)/4
    # = 12.5, the last week is 20 / 12.5 = 1.6 times the average week → 20.
    history = weeks_of(lambda d, h: 10, 4, scale=lambda week: 2.0 if week == 3 else 1.0)
    assert trend(history) == pytest.approx(1.6)
    assert forecast_arrivals(history, history.end, days=1)[5].arrivals == pytest.approx(20)


def test_the_trend_is_capped_so_one_odd_week_cannot_run_away():
    history = weeks_of(lambda d, h: 1, 4, scale=lambda week: 100.0 if week == 3 else 1.0)
    assert trend(history) == 2.0


def test_hours_without_arrivals_count_as_none_and_earlier_weeks_are_left_out():
    # Two weeks of history with a single arrival, Monday 09:00 of the second week: the
    # forecast Monday 09:00 averages that week (1) and the first (0) → 0.5 before trend;
    # the trend is the last week over the average week: 1 / 0.5 = 2.
    start = MONDAY
    history = History({start + timedelta(weeks=1, hours=9): 1}, start, start + timedelta(weeks=2))
    forecast = forecast_arrivals(history, history.end, days=1)
    assert forecast[9].arrivals == pytest.approx(1.0)
    assert sum(row.arrivals for row in forecast) == pytest.approx(1.0)


def test_a_history_shorter_than_a_week_uses_the_same_hour_of_each_day():
    start = MONDAY
    counts = {start + timedelta(days=day, hours=14): 4 + 2 * day for day in range(3)}
    history = History(counts, start, start + timedelta(days=3))
    forecast = forecast_arrivals(history, history.end, days=1)
    assert forecast[14].arrivals == pytest.approx((4 + 6 + 8) / 3)
    assert forecast[13].arrivals == 0


def test_the_forecast_starts_on_a_whole_hour():
    history = weeks_of(peak_on_monday_morning, 1)
    with pytest.raises(ValueError):
        forecast_arrivals(history, history.end + timedelta(minutes=30), days=1)
    assert forecast_arrivals(history, history.end + HOUR, days=1)[0].hour.minute == 0
