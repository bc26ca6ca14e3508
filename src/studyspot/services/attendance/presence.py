"""Who may check in, when: the booking whose shift occurrence is open now.

Pure functions over the booking service's answer (`AttendanceBooking`) and the one
definition of a shift window (`studyspot.kit.shift_windows`): a booking of this library,
confirmed or active, not paused on that day, whose occurrence is open — from
`opens_before_minutes` before the shift starts until it ends. A 22:00-06:00 shift booked
for 1 March is open at 01:30 on 2 March (its occurrence is the 1st's). Full-day plans
are open all day (opening hours are free text in the library service, not a rule).
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from studyspot.kit.shift_windows import DailyWindow, open_occurrence
from studyspot.services.attendance.errors import NoActiveBooking, OutsideShift
from studyspot.services.attendance.upstream import AttendanceBooking

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Occurrence:
    booking: AttendanceBooking
    day: date
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC

    @property
    def window(self) -> DailyWindow:
        return window_of(self.booking)


def occurrence_row(tenant_id: uuid.UUID, occurrence: Occurrence) -> dict[str, Any]:
    """The columns that name an occurrence, shared by its record and its no-show row."""
    booking = occurrence.booking
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "library_id": booking.library_id,
        "student_id": booking.student_id,
        "booking_id": booking.id,
        "shift_id": booking.shift_id,
        "seat_id": booking.seat_id,
        "day": occurrence.day,
        "shift_starts_at": occurrence.starts_at,
    }


def window_of(booking: AttendanceBooking) -> DailyWindow:
    return DailyWindow(booking.window_start, booking.window_end)


def paused_on(booking: AttendanceBooking, day: date) -> bool:
    return any(p.first <= day <= p.last for p in booking.pauses)


def local(moment: datetime, timezone: str) -> datetime:
    """`moment` on the library's wall clock, naive (what the window rule reads)."""
    return moment.astimezone(zoneinfo.ZoneInfo(timezone)).replace(tzinfo=None)


def occurrence_of(booking: AttendanceBooking, day: date) -> Occurrence:
    start, end = window_of(booking).bounds(day)
    zone = zoneinfo.ZoneInfo(booking.timezone)
    return Occurrence(
        booking,
        day,
        start.replace(tzinfo=zone).astimezone(UTC),
        end.replace(tzinfo=zone).astimezone(UTC),
    )


def open_for(
    bookings: Sequence[AttendanceBooking],
    library_id: uuid.UUID,
    at: datetime,
    opens_before_minutes: int,
) -> Occurrence:
    """The occurrence `at` (UTC) may check in to; NoActiveBooking or OutsideShift if none."""
    usable = False
    found: list[Occurrence] = []
    for booking in bookings:
        if booking.library_id != library_id:
            continue
        wall = local(at, booking.timezone)
        # Booked, and not paused, today (or last night, for a shift across midnight).
        window = window_of(booking)
        days = (wall.date() - ONE_DAY, wall.date()) if window.crosses_midnight else (wall.date(),)
        for day in days:
            if booking.start_date <= day <= booking.end_date and not paused_on(booking, day):
                usable = True
        day_open = open_occurrence(
            window,
            [(booking.start_date, booking.end_date)],
            wall,
            opens_before_minutes=opens_before_minutes,
        )
        if day_open is not None and not paused_on(booking, day_open):
            usable = True
            found.append(occurrence_of(booking, day_open))
    if found:
        # Two bookings open at once (a shift and a full day): the one that started first.
        return min(found, key=lambda o: (o.starts_at, str(o.booking.id)))
    if usable:
        raise OutsideShift()
    raise NoActiveBooking()


def fetch_range(at: datetime) -> tuple[date, date]:
    """Booking days to ask for so that any time zone's occurrences around `at` are covered."""
    return at.date() - 2 * ONE_DAY, at.date() + ONE_DAY
