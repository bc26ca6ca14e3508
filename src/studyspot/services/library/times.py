"""Local wall-clock times of a library: `HH:MM`, shift windows, time zones."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

DEFAULT_TIMEZONE = "Asia/Kolkata"
MINUTES_PER_DAY = 24 * 60
HHMM_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
# A closing time may be the end of the day.
HHMM_OR_24_PATTERN = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
TIMEZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$"


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_problem(name: str) -> str | None:
    # Membership in the known set, not ZoneInfo(name): the name never becomes a file path.
    if name not in _known_zones():
        return "must be an IANA time zone such as Asia/Kolkata"
    return None


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def local_now(timezone: str, now: datetime) -> datetime:
    return now.astimezone(zoneinfo.ZoneInfo(timezone))


@dataclass(frozen=True)
class Window:
    """A daily window in local minutes since midnight; end <= start crosses midnight."""

    start: int
    end: int
    full_day: bool = False

    @classmethod
    def of(cls, start_time: str, end_time: str, full_day: bool) -> Window:
        if full_day:
            return cls(0, MINUTES_PER_DAY, True)
        return cls(minutes(start_time), minutes(end_time))

    @property
    def crosses_midnight(self) -> bool:
        return not self.full_day and self.end <= self.start

    @property
    def duration_minutes(self) -> int:
        if self.full_day:
            return MINUTES_PER_DAY
        return (self.end - self.start) % MINUTES_PER_DAY

    def contains(self, minute_of_day: int) -> bool:
        """True when the local minute falls inside the window (end excluded)."""
        if self.full_day:
            return True
        if self.crosses_midnight:
            return minute_of_day >= self.start or minute_of_day < self.end
        return self.start <= minute_of_day < self.end
