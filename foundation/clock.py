"""The courier's clock: the moment now, or the one `COURIER_CLOCK` fixes.

`COURIER_CLOCK` (an ISO 8601 moment) stops the clock there: the tests seed the demo
parcels, judge return windows and count today's figures on a fixed day, so they pass
on any date. Unset, it is the wall clock.
"""
import os
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def courier_now(zone: ZoneInfo = SHANGHAI) -> datetime:
    fixed = os.environ.get("COURIER_CLOCK")
    if fixed:
        return datetime.fromisoformat(fixed).astimezone(zone)
    return datetime.now(zone)
