"""Business hours of the agents (handoff/hours.py): when a customer is queued and when
they leave a callback message instead. Every moment is a fixed datetime."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from handoff.hours import BusinessHours

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, second: int = 0, zone=SHANGHAI) -> datetime:
    """A moment on a fixed day, 18 November 2026, in `zone`."""
    return datetime(2026, 11, 18, hour, minute, second, tzinfo=zone)


def test_a_day_window_is_open_from_its_opening_minute_until_just_before_it_closes():
    hours = BusinessHours.parse("08:00-22:00")
    assert not hours.is_open(at(7, 59, 59))
    assert hours.is_open(at(8, 0))
    assert hours.is_open(at(13, 30))
    assert hours.is_open(at(21, 59, 59))
    assert not hours.is_open(at(22, 0))
    assert not hours.is_open(at(0, 0))
    assert not hours.is_open(at(3, 0))


def test_an_overnight_window_is_open_on_both_sides_of_midnight():
    hours = BusinessHours.parse("22:00-06:00")
    assert hours.is_open(at(22, 0))
    assert hours.is_open(at(23, 59, 59))
    assert hours.is_open(at(0, 0))
    assert hours.is_open(at(3, 15))
    assert hours.is_open(at(5, 59, 59))


def test_an_overnight_window_is_closed_during_the_day():
    hours = BusinessHours.parse("22:00-06:00")
    assert not hours.is_open(at(6, 0))
    assert not hours.is_open(at(12, 0))
    assert not hours.is_open(at(21, 59, 59))


def test_a_window_until_24_00_stays_open_until_midnight():
    hours = BusinessHours.parse("20:00-24:00")
    assert not hours.is_open(at(19, 59, 59))
    assert hours.is_open(at(23, 59, 59))
    assert not hours.is_open(at(0, 0))


def test_00_00_to_24_00_is_always_open():
    hours = BusinessHours.parse("00:00-24:00")
    for hour in range(24):
        assert hours.is_open(at(hour, 0)) and hours.is_open(at(hour, 59, 59))


def test_moments_are_compared_in_the_hours_time_zone():
    hours = BusinessHours.parse("08:00-22:00", "Asia/Shanghai")
    # 23:30 UTC is 07:30 the next morning in Shanghai; 00:30 UTC is 08:30.
    assert not hours.is_open(at(23, 30, zone=timezone.utc))
    assert hours.is_open(at(0, 30, zone=timezone.utc))
    # 14:30 in London (GMT in November) is 22:30 in Shanghai.
    assert not hours.is_open(at(14, 30, zone=ZoneInfo("Europe/London")))
    assert hours.is_open(at(13, 30, zone=ZoneInfo("Europe/London")))


def test_an_overnight_window_in_another_zone_spans_its_own_midnight():
    hours = BusinessHours.parse("22:00-06:00", "America/New_York")
    # 03:00 in Shanghai is 14:00 the day before in New York (EST, UTC-5): closed.
    assert not hours.is_open(at(3, 0))
    # 12:00 in Shanghai is 23:00 in New York: open.
    assert hours.is_open(at(12, 0))
    assert hours.is_open(at(12, 0) + timedelta(hours=6))  # 05:00 in New York
    assert not hours.is_open(at(12, 0) + timedelta(hours=7))  # 06:00 in New York


def test_describe_writes_the_window_as_customers_read_it():
    assert BusinessHours.parse("08:00-22:00").describe() == "08:00–22:00"
    assert BusinessHours.parse("22:00-06:00").describe() == "22:00–06:00"
    assert BusinessHours.parse(" 09:30 - 24:00 ").describe() == "09:30–24:00"


@pytest.mark.parametrize(
    "hours, zone",
    [
        ("08:00", "Asia/Shanghai"),
        ("8am-10pm", "Asia/Shanghai"),
        ("08:00-25:00", "Asia/Shanghai"),
        ("24:00-08:00", "Asia/Shanghai"),
        ("08:00-22:00-23:00", "Asia/Shanghai"),
        ("08:00-22:00", "Mars/Olympus_Mons"),
    ],
)
def test_a_bad_setting_is_refused_with_an_example_of_a_good_one(hours, zone):
    with pytest.raises(ValueError) as refused:
        BusinessHours.parse(hours, zone)
    assert "HANDOFF_HOURS=08:00-22:00" in str(refused.value)


def test_settings_come_from_the_environment_with_defaults(monkeypatch):
    monkeypatch.delenv("HANDOFF_HOURS", raising=False)
    monkeypatch.delenv("HANDOFF_TIMEZONE", raising=False)
    default = BusinessHours.from_environment()
    assert default.describe() == "08:00–22:00" and default.timezone == SHANGHAI

    monkeypatch.setenv("HANDOFF_HOURS", "22:00-06:00")
    monkeypatch.setenv("HANDOFF_TIMEZONE", "Europe/Berlin")
    night = BusinessHours.from_environment()
    assert night.timezone == ZoneInfo("Europe/Berlin")
    assert night.is_open(at(23, 0, zone=ZoneInfo("Europe/Berlin")))
    assert not night.is_open(at(12, 0, zone=ZoneInfo("Europe/Berlin")))
