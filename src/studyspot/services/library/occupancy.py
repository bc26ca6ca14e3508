"""Realtime occupancy per library and shift, from what is known for certain.

Seats (total, under maintenance) are ours and live. Booked seats are the
booking service's answer (`BookingClient.occupancy_now`), and `free` follows
from it; when that service cannot be reached or fails, those counts are null
and `sources.bookings` says `unavailable`. Students checked in now are the
attendance service's answer (`AttendanceClient.checked_in_now`); when it cannot
answer, `checked_in_now` is null and `sources.attendance` says `unavailable`.
Nothing here is estimated.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.errors import AppError
from studyspot.kit.shift_windows import DailyWindow
from studyspot.services.library.access import Viewer
from studyspot.services.library.errors import LibraryNotFound
from studyspot.services.library.models import Library, Shift
from studyspot.services.library.repository import (
    LibraryRepository,
    SeatRepository,
    ShiftRepository,
)
from studyspot.services.library.schemas.occupancy import (
    LibraryOccupancy,
    OccupancyReport,
    OccupancySources,
    ShiftOccupancy,
)
from studyspot.services.library.times import local_now
from studyspot.services.library.upstream import (
    CheckedInNow,
    OccupancyLibrary,
    OccupancyNow,
    OccupancyQuery,
    OccupancyShift,
    SeatsTaken,
    Upstream,
)

log = structlog.get_logger("studyspot.library")


async def end_reads(session: AsyncSession) -> None:
    """Close the transaction of the reads so far, before asking the booking service.

    Holding a transaction across a network call is never good, and on SQLite
    every transaction holds the single write lock, which the booking service
    (same tenant database) needs for its own unit of work. Nothing was written.
    """
    assert not session.new and not session.dirty and not session.deleted
    # Detached first, the rows read keep their values: a rollback would expire them.
    session.expunge_all()
    await session.rollback()


async def seats_taken(
    upstream: Upstream, tenant_id: uuid.UUID, libraries: list[OccupancyLibrary]
) -> OccupancyNow | None:
    """The booking service's answer, or None when it cannot give one (down, slow, failing)."""
    if not libraries:
        return None
    try:
        return await upstream.booking.occupancy_now(
            OccupancyQuery(tenant_id=tenant_id, libraries=libraries)
        )
    except (AppError, ValidationError) as exc:
        # Reported as unavailable in the answer; operators see why here.
        log.warning("booking_occupancy_unavailable", error=type(exc).__name__, detail=str(exc))
        return None


async def checked_in(
    upstream: Upstream, tenant_id: uuid.UUID, library_ids: list[uuid.UUID]
) -> CheckedInNow | None:
    """The attendance service's answer, or None when it cannot give one."""
    if not library_ids:
        return None
    try:
        return await upstream.attendance.checked_in_now(tenant_id, library_ids)
    except (AppError, ValidationError) as exc:
        log.warning("attendance_unavailable", error=type(exc).__name__, detail=str(exc))
        return None


def _counts(
    taken: SeatsTaken | None, total: int, maintenance: int
) -> tuple[int | None, int | None]:
    if taken is None:
        return None, None
    return taken.booked, taken.free(total, maintenance)


async def realtime_occupancy(
    session: AsyncSession,
    viewer: Viewer,
    library_id: uuid.UUID | None,
    now: datetime,
    upstream: Upstream,
) -> OccupancyReport:
    viewer.require_staff_side()
    libraries_repo = LibraryRepository(session, viewer.tenant_id)
    if library_id is not None:
        library = await libraries_repo.get(library_id)
        if library is None:
            raise LibraryNotFound()
        libraries = [viewer.check_library(library)]
    else:
        libraries = await libraries_repo.all(
            libraries_repo.visible(viewer.visible_library_ids).order_by(Library.name, Library.id)
        )
    ids = [lib.id for lib in libraries]
    seats = SeatRepository(session, viewer.tenant_id)
    seat_counts = await seats.counts_by_library(ids)
    maintenance_ids = await seats.under_maintenance(ids)
    shifts = await ShiftRepository(session, viewer.tenant_id).of_libraries(ids)
    shifts_of: dict[uuid.UUID, list[Shift]] = {}
    for shift in shifts:
        shifts_of.setdefault(shift.library_id, []).append(shift)
    await end_reads(session)
    answer = await seats_taken(
        upstream,
        viewer.tenant_id,
        [
            OccupancyLibrary(
                library_id=lib.id,
                timezone=lib.timezone,
                maintenance_seat_ids=maintenance_ids.get(lib.id, []),
                shifts=[
                    OccupancyShift(
                        shift_id=s.id,
                        start_time=s.start_time,
                        end_time=s.end_time,
                        is_full_day=s.is_full_day,
                    )
                    for s in shifts_of.get(lib.id, [])
                ],
            )
            for lib in libraries
        ],
    )
    present = await checked_in(upstream, viewer.tenant_id, ids)
    report = []
    for library in libraries:
        here = present.of(library.id) if present is not None else None
        in_shift = {s.shift_id: s.checked_in for s in here.shifts} if here is not None else {}
        total, maintenance = seat_counts.get(library.id, (0, 0))
        local = local_now(library.timezone, now)
        minute = local.hour * 60 + local.minute
        taken = answer.of(library.id) if answer is not None else None
        by_shift = {s.shift_id: s for s in taken.shifts} if taken is not None else {}
        booked, free = _counts(taken, total, maintenance)
        shift_rows = []
        for shift in shifts_of.get(library.id, []):
            shift_booked, shift_free = _counts(by_shift.get(shift.id), total, maintenance)
            shift_rows.append(
                ShiftOccupancy(
                    shift_id=shift.id,
                    name=shift.name,
                    start_time=shift.start_time,
                    end_time=shift.end_time,
                    is_full_day=shift.is_full_day,
                    is_current=DailyWindow.of(
                        shift.start_time, shift.end_time, full_day=shift.is_full_day
                    ).contains_minute(minute),
                    seats_total=total,
                    under_maintenance=maintenance,
                    booked=shift_booked,
                    checked_in_now=in_shift.get(shift.id, 0) if here is not None else None,
                    free=shift_free,
                )
            )
        report.append(
            LibraryOccupancy(
                library_id=library.id,
                name=library.name,
                status="closed" if library.status == "closed" else "active",
                timezone=library.timezone,
                local_time=f"{local.hour:02d}:{local.minute:02d}",
                seats_total=total,
                under_maintenance=maintenance,
                booked=booked,
                checked_in_now=here.checked_in if here is not None else None,
                free=free,
                shifts=shift_rows,
            )
        )
    sources = OccupancySources(
        seats="live",
        # No library asked means no question to ask: nothing is unknown.
        bookings="live" if answer is not None or not libraries else "unavailable",
        attendance="live" if present is not None or not libraries else "unavailable",
    )
    return OccupancyReport(generated_at=now, sources=sources, libraries=report)
