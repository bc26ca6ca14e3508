"""The one definition of a shift window: when, on the local wall clock, a booking's place is
held on each of its days, and when a student may check in for it.

A window is [start, end) in local minutes after midnight, repeated every day of a
booking's date range. A window whose end is not after its start crosses midnight and
ends on the next day (22:00-06:00 booked for 1 March runs until 06:00 on 2 March); a
full day is 00:00-24:00. The booking service cuts these into segments to decide
conflicts (`services/booking/rules.py`); the attendance service asks which day's
*occurrence* is open at a moment, with an early opening before the start.

Times here are naive local wall-clock datetimes: the caller converts with the library's
time zone. Tests check the rule against a brute-force minute model
(tests/attendance/test_window_rule.py, tests/booking/test_rules.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MINUTES_PER_DAY = 24 * 60
ONE_DAY = timedelta(days=1)


def minutes_of(hhmm: str) -> int:
    """`HH:MM` (or `24:00`) as minutes after midnight."""
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class DailyWindow:
    """A window of local minutes repeated every day: [start, end), crossing midnight if end <= start."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < MINUTES_PER_DAY and 0 <= self.end <= MINUTES_PER_DAY):
            raise ValueError("window minutes out of range")
        if self.start == self.end:
            raise ValueError("an empty window; a full day is 00:00-24:00")

    @classmethod
    def full_day(cls) -> DailyWindow:
        return cls(0, MINUTES_PER_DAY)

    @classmethod
    def of(cls, start: str, end: str, *, full_day: bool = False) -> DailyWindow:
        return cls.full_day() if full_day else cls(minutes_of(start), minutes_of(end))

    @property
    def is_full_day(self) -> bool:
        return self.start == 0 and self.end == MINUTES_PER_DAY

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    @property
    def duration(self) -> int:
        return (self.end - self.start) % MINUTES_PER_DAY or MINUTES_PER_DAY

    def contains_minute(self, minute: int) -> bool:
        """Whether local minute-of-day `minute` (0-1439) falls in the window, end excluded
        (a 22:00-06:00 window holds 23:30 and 05:59, not 06:00)."""
        return (minute - self.start) % MINUTES_PER_DAY < self.duration

    def contains_window(self, other: DailyWindow) -> bool:
        """Whether `other` lies inside this window (a slot of a shift, say 01:00-03:00 of 22:00-06:00)."""
        if self.is_full_day:
            return True
        lo, hi = self.start, self.start + self.duration
        o_lo, o_hi = other.start, other.start + other.duration
        # The slot may start after midnight while the window started before it.
        return any(lo <= o_lo + k and o_hi + k <= hi for k in (0, MINUTES_PER_DAY))

    def parts(self) -> tuple[tuple[int, int, int], ...]:
        """(day offset, first minute, end minute) per calendar day the window touches."""
        if not self.crosses_midnight:
            return ((0, self.start, self.end),)
        if self.end == 0:  # 18:00-00:00 ends exactly at midnight
            return ((0, self.start, MINUTES_PER_DAY),)
        return ((0, self.start, MINUTES_PER_DAY), (1, 0, self.end))

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        """Local start and end of the occurrence booked for `day` (the end may be on day + 1)."""
        start = datetime.combine(day, time()) + timedelta(minutes=self.start)
        return start, start + timedelta(minutes=self.duration)


def open_occurrence(
    window: DailyWindow,
    days: Iterable[tuple[date, date]],
    at: datetime,
    *,
    opens_before_minutes: int = 0,
) -> date | None:
    """The booked day whose occurrence is open for check-in at local `at`, or None.

    An occurrence of day d is open from `opens_before_minutes` before its start until its
    end, excluded: [start - lead, end). `days` are the inclusive date ranges the place is
    booked for (a booking's range, minus days it does not count, such as a pause). When
    two occurrences are open at once (a full day opening early while yesterday's still
    runs), the earlier one, which already started, is chosen.
    """
    if at.tzinfo is not None:
        raise ValueError("`at` is a naive local wall-clock time")
    ranges = list(days)
    lead = timedelta(minutes=opens_before_minutes)
    # An occurrence open at `at` started at most a day (+ lead) earlier, or opens early today.
    for offset in (-1, 0, 1):
        day = at.date() + timedelta(days=offset)
        if not any(first <= day <= last for first, last in ranges):
            continue
        start, end = window.bounds(day)
        if start - lead <= at < end:
            return day
    return None
