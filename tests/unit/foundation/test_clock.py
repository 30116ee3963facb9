"""The courier's clock stops where COURIER_CLOCK says, in the zone asked for."""
from datetime import datetime
from zoneinfo import ZoneInfo

from foundation.clock import SHANGHAI, courier_now


def test_the_courier_clock_fixes_the_moment(monkeypatch):
    monkeypatch.setenv("COURIER_CLOCK", "2026-11-18T01:30:00+00:00")
    assert courier_now() == datetime(2026, 11, 18, 9, 30, tzinfo=SHANGHAI)
    assert courier_now(ZoneInfo("UTC")).hour == 1


def test_without_it_the_clock_runs(monkeypatch):
    monkeypatch.delenv("COURIER_CLOCK", raising=False)
    assert courier_now().tzinfo == SHANGHAI
