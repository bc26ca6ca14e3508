"""What other services read about bookings in bulk: seats taken now, and plans running out.

Occupancy uses the same rule as availability and the holds themselves
(`BookingRepository.occupants`, `sharing_time`, `rules.peak_overlap`): a seat
counts as taken in a shift when a booking holding a place (confirmed, active,
or a pending hold not yet run out; a paused booking that gave its seat back
does not, for the paused days) shares a minute with that shift's occurrence.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.services.booking.client import (
    AttendanceBooking,
    AttendanceBookings,
    DateRange,
    ExpiringStudents,
    LibrarySeatsTaken,
    OccupancyLibrary,
    OccupancyNow,
    OccupancyQuery,
    ShiftSeatsTaken,
)
from studyspot.services.booking.repository import BookingRepository, Occupant
from studyspot.services.booking.rules import DailyWindow, Occupancy, peak_overlap
from studyspot.services.booking.service.placement import local_today
from studyspot.services.booking.service.queries import sharing_time

ONE_DAY = timedelta(days=1)


def taken(
    wanted: Occupancy, occupants: list[Occupant], maintenance: set[uuid.UUID]
) -> dict[str, int]:
    """Seats held by reserved bookings during `wanted`, and the most floating places at once."""
    seats: set[uuid.UUID] = set()
    floating: list[Occupancy] = []
    for occupant in sharing_time(wanted, occupants):
        if occupant.seat_id is None:
            floating.append(occupant.occupancy)
        else:
            seats.add(occupant.seat_id)
    return {
        "reserved": len(seats),
        "reserved_under_maintenance": len(seats & maintenance),
        "floating": peak_overlap(wanted, floating) if floating else 0,
    }


def occurrence_day(window: DailyWindow, today: date, minute: int) -> date:
    """The day the shift's occurrence to count starts: a night shift still running this
    morning started yesterday; every other shift is counted for today."""
    if window.crosses_midnight and minute < window.end:
        return today - ONE_DAY
    return today


async def library_taken(
    repo: BookingRepository, library: OccupancyLibrary, now: datetime
) -> LibrarySeatsTaken:
    local = now.astimezone(zoneinfo.ZoneInfo(library.timezone))
    today, minute = local.date(), local.hour * 60 + local.minute
    # One read covers every occurrence asked: yesterday's night shift to tonight's.
    span = Occupancy.of(DailyWindow.full_day(), today - ONE_DAY, today + ONE_DAY)
    occupants = await repo.occupants(library.library_id, span, now)
    maintenance = set(library.maintenance_seat_ids)
    shifts = []
    for shift in library.shifts:
        window = DailyWindow.of(shift.start_time, shift.end_time, full_day=shift.is_full_day)
        day = occurrence_day(window, today, minute)
        shifts.append(
            ShiftSeatsTaken(
                shift_id=shift.shift_id,
                day=day,
                **taken(Occupancy.of(window, day, day), occupants, maintenance),
            )
        )
    this_minute = Occupancy.of(DailyWindow(minute, minute + 1), today, today)
    return LibrarySeatsTaken(
        library_id=library.library_id,
        local_date=today,
        local_time=f"{local.hour:02d}:{local.minute:02d}",
        shifts=shifts,
        **taken(this_minute, occupants, maintenance),
    )


async def occupancy_now(
    session: AsyncSession, query: OccupancyQuery, now: datetime
) -> OccupancyNow:
    repo = BookingRepository(session, query.tenant_id)
    # A library of another tenant simply has no bookings here: the tenant filter is the repo's.
    libraries = [await library_taken(repo, library, now) for library in query.libraries]
    return OccupancyNow(at=now, libraries=libraries)


async def attendance_bookings(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    first: date,
    last: date,
    *,
    library_id: uuid.UUID | None,
    student_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> AttendanceBookings:
    """Paid bookings (confirmed, active) whose date range touches [first, last], with their
    pauses, one page in id order. A pending hold is not a booking a student attends by."""
    repo = BookingRepository(session, tenant_id)
    rows = await repo.holding_between(
        first, last, library_id=library_id, student_id=student_id, after=after, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    pauses = await repo.pause_ranges([b.id for b in rows])
    items = [
        AttendanceBooking(
            id=b.id,
            student_id=b.student_id,
            library_id=b.library_id,
            seat_id=b.seat_id,
            seat_label=b.seat_label,
            shift_id=b.shift_id,
            seat_assignment="floating" if b.seat_assignment == "floating" else "reserved",
            status="active" if b.status == "active" else "confirmed",
            window_start=b.window_start,
            window_end=b.window_end,
            start_date=b.start_date,
            end_date=b.end_date,
            timezone=b.timezone,
            pauses=[DateRange(first=p0, last=p1) for p0, p1 in pauses.get(b.id, [])],
        )
        for b in rows
    ]
    return AttendanceBookings(items=items, next_after=rows[-1].id if more else None)


async def expiring_students(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    within_days: int,
    now: datetime,
    *,
    library_id: uuid.UUID | None = None,
) -> ExpiringStudents:
    """Students whose paid booking ends today .. today + `within_days`, in the library's own
    local date, and who have no later booking holding a place (a renewal, paid or held)."""
    # A local date is at most a day off the UTC one: narrow in SQL, decide per time zone here.
    utc_today = now.date()
    rows = await BookingRepository(session, tenant_id).paid_ending_between(
        utc_today - ONE_DAY, utc_today + timedelta(days=within_days + 1), now, library_id=library_id
    )
    found: set[uuid.UUID] = set()
    todays: dict[str, date] = {}
    for student_id, end_date, timezone in rows:
        today = todays.get(timezone)
        if today is None:
            today = todays[timezone] = local_today(timezone, now)
        if today <= end_date <= today + timedelta(days=within_days):
            found.add(student_id)
    ids = sorted(found)
    return ExpiringStudents(
        within_days=within_days, library_id=library_id, student_ids=ids, total=len(ids)
    )
