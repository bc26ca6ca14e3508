"""How long a booking lasts: the end date from the fee plan, and hourly slots.

- `month`: N calendar months from the start date, ending the day before the
  same day-of-month (15 Jan + 1 month → 14 Feb). When that day does not exist
  in the end month the booking ends on that month's last day (29, 30 or
  31 Jan + 1 month → 28 Feb; 28 Jan → 27 Feb), so a later start never ends
  earlier.
- `day`: N days including the start date.
- `hour`: a single day; the window is N hours from the requested slot start.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from studyspot.services.booking.rules import MINUTES_PER_DAY, DailyWindow


def months_later_end(start: date, months: int) -> date:
    """The last day of `months` calendar months starting on `start`."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:
        return date(year, month, last_day)
    return date(year, month, start.day) - timedelta(days=1)


def end_date(start: date, unit: str, value: int) -> date:
    if value < 1:
        raise ValueError("a plan lasts at least one unit")
    if unit == "month":
        return months_later_end(start, value)
    if unit == "day":
        return start + timedelta(days=value - 1)
    if unit == "hour":
        return start
    raise ValueError(f"unknown duration unit {unit!r}")


def hourly_window(slot_start: int, hours: int) -> DailyWindow:
    """N hours from `slot_start` (minutes); 24 hours only from midnight (a full day)."""
    length = hours * 60
    if length >= MINUTES_PER_DAY:
        if slot_start != 0:
            raise ValueError("a 24-hour slot starts at 00:00")
        return DailyWindow.full_day()
    end = slot_start + length
    return DailyWindow(slot_start, end if end <= MINUTES_PER_DAY else end - MINUTES_PER_DAY)
