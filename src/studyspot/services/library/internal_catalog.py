"""`GET /internal/libraries/{id}/catalog`: a library with its seats and shifts, for the booking service.

One call answers what a booking or an availability map needs from the
library service (status, time zone, seats with their map positions, shifts,
and how many seats of each kind are usable), so the booking service makes one
round trip instead of three.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import case, func, select

from studyspot.kit.errors import problem_responses
from studyspot.services.library.catalog_client import (
    CatalogSeat,
    CatalogShift,
    LibraryCatalog,
    SeatTypeCount,
)
from studyspot.services.library.dependencies import InternalSession, InternalTenant
from studyspot.services.library.errors import LibraryNotFound
from studyspot.services.library.models import Seat, Shift
from studyspot.services.library.repository import LibraryRepository

router = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)


@router.get("/libraries/{library_id}/catalog", responses=problem_responses(403, 404))
async def get_catalog(
    library_id: uuid.UUID,
    tenant_id: InternalTenant,
    session: InternalSession,
    seat_id: Annotated[uuid.UUID | None, Query(description="Only this seat in `seats`")] = None,
) -> LibraryCatalog:
    library = await LibraryRepository(session, tenant_id).get(library_id)
    if library is None:
        raise LibraryNotFound()
    # Plain columns, not ORM objects: a 500-seat map is read on every availability request.
    seat_query = (
        select(
            Seat.id,
            Seat.label,
            Seat.seat_type,
            Seat.status,
            Seat.zone,
            Seat.floor,
            Seat.row,
            Seat.column,
        )
        .where(Seat.tenant_id == tenant_id, Seat.library_id == library_id)
        .order_by(Seat.sort_key, Seat.id)
    )
    if seat_id is not None:
        seat_query = seat_query.where(Seat.id == seat_id)
    seats = [
        CatalogSeat(
            id=r.id,
            label=r.label,
            seat_type=r.seat_type,
            status=r.status,
            zone=r.zone,
            floor=r.floor,
            row=r.row,
            column=r.column,
        )
        for r in await session.execute(seat_query)
    ]
    maintenance = func.sum(case((Seat.status == "maintenance", 1), else_=0))
    counts = await session.execute(
        select(Seat.seat_type, func.count(), maintenance)
        .where(Seat.tenant_id == tenant_id, Seat.library_id == library_id)
        .group_by(Seat.seat_type)
        .order_by(Seat.seat_type)
    )
    shift_rows = await session.execute(
        select(Shift.id, Shift.name, Shift.start_time, Shift.end_time, Shift.is_full_day)
        .where(Shift.tenant_id == tenant_id, Shift.library_id == library_id)
        .order_by(Shift.start_time, Shift.name)
    )
    return LibraryCatalog(
        id=library.id,
        tenant_id=tenant_id,
        name=library.name,
        status="closed" if library.status == "closed" else "active",
        timezone=library.timezone,
        state=library.state,
        seats=seats,
        shifts=[
            CatalogShift(
                id=r.id,
                name=r.name,
                start_time="00:00" if r.is_full_day else r.start_time,
                end_time="24:00" if r.is_full_day else r.end_time,
                is_full_day=r.is_full_day,
            )
            for r in shift_rows
        ],
        seat_counts=[
            SeatTypeCount(
                seat_type=kind, active=int(total) - int(maint or 0), maintenance=int(maint or 0)
            )
            for kind, total, maint in counts
        ],
    )
