"""`GET /api/v1/bookings/availability`: a library's seats for a period and shift, with their state."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.services.booking.dependencies import AvailabilityRead, RuntimeDep
from studyspot.services.booking.schemas.availability import Availability
from studyspot.services.booking.schemas.common import IsoDate
from studyspot.services.booking.service import queries

router = APIRouter(prefix="/api/v1/bookings", tags=["availability"])


@router.get(
    "/availability",
    response_model=Availability,
    responses=problem_responses(403, 404, 503),
    summary="Seat map with free / held / booked / maintenance, and floating places left",
)
async def availability(
    viewer: AvailabilityRead,
    session: TenantSession,
    runtime: RuntimeDep,
    library_id: uuid.UUID,
    start_date: IsoDate,
    end_date: Annotated[IsoDate | None, Query(description="Last day; default start_date")] = None,
    shift_id: Annotated[
        uuid.UUID | None, Query(description="The shift's window; default the full day")
    ] = None,
) -> Response:
    body = await queries.availability(
        session,
        viewer,
        runtime,
        library_id=library_id,
        start_date=start_date,
        end_date=end_date,
        shift_id=shift_id,
    )
    # Serialised once with orjson (FastAPI would build and validate 500 seat models).
    return Response(body, media_type="application/json")
