"""What every booking change shares: who did it (for the audit log) and reading ahead."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.db import unit_of_work
from studyspot.kit.scope import Actor
from studyspot.services.booking.access import Viewer
from studyspot.services.booking.errors import BookingNotFound
from studyspot.services.booking.models import Booking
from studyspot.services.booking.repository import BookingRepository
from studyspot.services.booking.runtime import Runtime


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    resource_id: uuid.UUID,
    details: dict[str, Any] | None = None,
    resource_type: str = "booking",
) -> None:
    await audit.record(
        session,
        action,
        resource_type,
        resource_id,
        tenant_id=actor.tenant_id,
        actor_id=actor.id,
        actor_type=actor.type,
        details=details,
    )


def visible_or_404(viewer: Viewer, booking: Booking | None) -> Booking:
    if booking is None or not viewer.can_see(booking.library_id, booking.student_id):
        raise BookingNotFound()
    return booking


async def peek(runtime: Runtime, viewer: Viewer, booking_id: uuid.UUID) -> Booking:
    """The booking as it is now, read in a short transaction of its own.

    Changes that must ask other services first (renew, transfer, pause) read
    the booking here, ask, then re-read it under the library lock: on SQLite
    the request's own unit of work must not hold the write lock while the
    library service, writing the same file, answers.
    """
    db = await runtime.database_of(viewer.principal)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        booking = await BookingRepository(session, viewer.tenant_id).get(booking_id)
        return visible_or_404(viewer, booking)
