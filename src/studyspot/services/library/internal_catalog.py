"""`GET /internal/libraries/{id}/catalog`: a library with its seats and shifts, for the booking service.

One call answers what a booking or an availability map needs from the
library service (status, time zone, seats with their map positions, shifts,
and how many seats of each kind are usable), so the booking service makes one
round trip instead of three.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response
from sqlalchemy import case, func, select

from studyspot.kit.errors import problem_responses
from studyspot.kit.service_auth import InternalSession, InternalTenant, accept_callers
from studyspot.services.library.catalog_client import LibraryCatalog
from studyspot.services.library.errors import LibraryNotFound
from studyspot.services.library.models import Seat, Shift
from studyspot.services.library.repository import LibraryRepository

router = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)


@router.get(
    "/libraries/{library_id}/catalog",
    response_model=LibraryCatalog,
    responses=problem_responses(403, 404),
    dependencies=[accept_callers("analytics", "booking")],
)
async def get_catalog(
    library_id: uuid.UUID,
    tenant_id: InternalTenant,
    session: InternalSession,
    seat_id: Annotated[uuid.UUID | None, Query(description="Only this seat in `seats`")] = None,
) -> Response:
    library = await LibraryRepository(session, tenant_id).get(library_id)
    if library is None:
        raise LibraryNotFound()
    # Plain rows and orjson, not ORM objects and models: a 500-seat map is read on every
    # availability request, and the caller validates what it receives (catalog_client).
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
    connection = await session.connection()
    seats = [
        {
            "id": r[0],
            "label": r[1],
            "seat_type": r[2],
            "status": r[3],
            "zone": r[4],
            "floor": r[5],
            "row": r[6],
            "column": r[7],
        }
        for r in await connection.execute(seat_query)
    ]
    if seat_id is None:
        tally: dict[str, list[int]] = {}
        for seat in seats:
            active_maint = tally.setdefault(str(seat["seat_type"]), [0, 0])
            active_maint[seat["status"] == "maintenance"] += 1
        counts = [(kind, a + m, m) for kind, (a, m) in sorted(tally.items())]
    else:
        maintenance = func.sum(case((Seat.status == "maintenance", 1), else_=0))
        counts = [
            (kind, int(total), int(maint or 0))
            for kind, total, maint in await connection.execute(
                select(Seat.seat_type, func.count(), maintenance)
                .where(Seat.tenant_id == tenant_id, Seat.library_id == library_id)
                .group_by(Seat.seat_type)
                .order_by(Seat.seat_type)
            )
        ]
    shift_rows = await connection.execute(
        select(Shift.id, Shift.name, Shift.start_time, Shift.end_time, Shift.is_full_day)
        .where(Shift.tenant_id == tenant_id, Shift.library_id == library_id)
        .order_by(Shift.start_time, Shift.name)
    )
    body = {
        "id": library.id,
        "tenant_id": tenant_id,
        "name": library.name,
        "status": "closed" if library.status == "closed" else "active",
        "timezone": library.timezone,
        "state": library.state,
        "seats": seats,
        "shifts": [
            {
                "id": r[0],
                "name": r[1],
                "start_time": "00:00" if r[4] else r[2],
                "end_time": "24:00" if r[4] else r[3],
                "is_full_day": r[4],
            }
            for r in shift_rows
        ],
        "seat_counts": [
            {"seat_type": kind, "active": total - maint, "maintenance": maint}
            for kind, total, maint in counts
        ],
    }
    # asyncpg hands back its own UUID type, which orjson does not know: written as text.
    return Response(orjson.dumps(body, default=str), media_type="application/json")
