"""Realtime occupancy per library and shift, from what this service knows for certain.

Seats (total, under maintenance) are ours and live. Booked seats come from the
booking service and check-ins from the attendance service; neither exists yet,
so those counts, and `free` which depends on bookings, are null and the
`sources` block says why. Nothing here is estimated.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.services.library.access import Viewer
from studyspot.services.library.errors import LibraryNotFound
from studyspot.services.library.models import Library
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
from studyspot.services.library.times import Window, local_now

SOURCES = OccupancySources(seats="live", bookings="unavailable", attendance="unavailable")


async def realtime_occupancy(
    session: AsyncSession, viewer: Viewer, library_id: uuid.UUID | None, now: datetime
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
            libraries_repo.visible(viewer.library_ids).order_by(Library.name, Library.id)
        )
    ids = [lib.id for lib in libraries]
    seat_counts = await SeatRepository(session, viewer.tenant_id).counts_by_library(ids)
    shifts = await ShiftRepository(session, viewer.tenant_id).of_libraries(ids)
    report = []
    for library in libraries:
        total, maintenance = seat_counts.get(library.id, (0, 0))
        local = local_now(library.timezone, now)
        minute = local.hour * 60 + local.minute
        report.append(
            LibraryOccupancy(
                library_id=library.id,
                name=library.name,
                status="closed" if library.status == "closed" else "active",
                timezone=library.timezone,
                local_time=f"{local.hour:02d}:{local.minute:02d}",
                seats_total=total,
                under_maintenance=maintenance,
                booked=None,
                checked_in_now=None,
                free=None,
                shifts=[
                    ShiftOccupancy(
                        shift_id=shift.id,
                        name=shift.name,
                        start_time=shift.start_time,
                        end_time=shift.end_time,
                        is_full_day=shift.is_full_day,
                        is_current=Window.of(
                            shift.start_time, shift.end_time, shift.is_full_day
                        ).contains(minute),
                        seats_total=total,
                        under_maintenance=maintenance,
                        booked=None,
                        checked_in_now=None,
                        free=None,
                    )
                    for shift in shifts
                    if shift.library_id == library.id
                ],
            )
        )
    return OccupancyReport(generated_at=now, sources=SOURCES, libraries=report)
