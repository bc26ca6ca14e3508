"""Local wall-clock times of a library: `HH:MM` patterns and time zones.

Shift windows (and minutes of `HH:MM`) are `studyspot.kit.shift_windows`: one definition
for the library, booking and attendance services.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import lru_cache

DEFAULT_TIMEZONE = "Asia/Kolkata"
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


def local_now(timezone: str, now: datetime) -> datetime:
    return now.astimezone(zoneinfo.ZoneInfo(timezone))
