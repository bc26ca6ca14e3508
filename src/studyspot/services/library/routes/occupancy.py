"""`GET /api/v1/libraries/realtime-occupancy`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.models import utcnow
from studyspot.services.library.dependencies import Clients, SeatsReader
from studyspot.services.library.occupancy import realtime_occupancy
from studyspot.services.library.schemas.occupancy import OccupancyReport

router = APIRouter(prefix="/api/v1/libraries", tags=["occupancy"])


@router.get("/realtime-occupancy", responses=problem_responses(403, 404))
async def get_realtime_occupancy(
    viewer: SeatsReader,
    session: TenantSession,
    upstream: Clients,
    library_id: uuid.UUID | None = None,
) -> OccupancyReport:
    """Per library and shift: seats total, under maintenance, booked, checked in now, free.

    `booked` and `free` come from the booking service (`sources.bookings: live`): at the
    library level for this minute, per shift for its occurrence running now or else today's.
    When the booking service cannot be reached they are null and `sources.bookings` is
    `unavailable`. `checked_in_now` comes from the attendance service (`sources.attendance:
    live`), null and `unavailable` when it cannot answer. Counts are never estimated.
    """
    return await realtime_occupancy(session, viewer, library_id, utcnow(), upstream)
