"""Business hours of the human agents: outside them a customer leaves a callback message.

`HANDOFF_HOURS` is "HH:MM-HH:MM" in `HANDOFF_TIMEZONE` (default 08:00-22:00,
Asia/Shanghai), every day; "00:00-24:00" means always open, and a window that closes
before it opens runs overnight ("22:00-06:00": from 22:00 until 06:00 the next morning).
"""
import os
from dataclasses import dataclass
from datetime import datetime, time
from typing import Optional
from zoneinfo import ZoneInfo

DEFAULT_HOURS = "08:00-22:00"
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class BusinessHours:
    opens: time
    closes: Optional[time]  # None: open until midnight
    timezone: ZoneInfo

    @classmethod
    def from_environment(cls) -> "BusinessHours":
        return cls.parse(os.environ.get("HANDOFF_HOURS") or DEFAULT_HOURS,
                         os.environ.get("HANDOFF_TIMEZONE") or DEFAULT_TIMEZONE)

    @classmethod
    def parse(cls, hours: str, timezone: str = DEFAULT_TIMEZONE) -> "BusinessHours":
        try:
            opens, closes = (part.strip() for part in hours.split("-"))
            closing = None if closes == "24:00" else time.fromisoformat(closes)
            return cls(time.fromisoformat(opens), closing, ZoneInfo(timezone))
        except (ValueError, KeyError) as error:
            raise ValueError(
                f"HANDOFF_HOURS={hours!r} / HANDOFF_TIMEZONE={timezone!r} is not valid; "
                "write e.g. HANDOFF_HOURS=08:00-22:00 HANDOFF_TIMEZONE=Asia/Shanghai."
            ) from error

    def is_open(self, moment: Optional[datetime] = None) -> bool:
        local = (moment or datetime.now(self.timezone)).astimezone(self.timezone).time()
        if self.closes is None:
            return self.opens <= local
        if self.closes < self.opens:  # overnight: open in the evening and after midnight
            return local >= self.opens or local < self.closes
        return self.opens <= local < self.closes

    def describe(self) -> str:
        closes = "24:00" if self.closes is None else self.closes.strftime("%H:%M")
        return f"{self.opens.strftime('%H:%M')}–{closes}"
