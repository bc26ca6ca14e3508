"""A booking's place given back for one day (a no-show), the booking itself unchanged."""

from __future__ import annotations

import uuid
from datetime import date

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.models import utcnow
from studyspot.services.booking.models import HOLDING, Booking, BookingDayRelease

log = structlog.get_logger("studyspot.booking")


async def release_day(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    booking_id: uuid.UUID,
    library_id: uuid.UUID,
    day: date,
    event_id: uuid.UUID | None,
) -> bool:
    """Record that `booking_id` does not hold its place on the occurrence of `day`.

    True when this call recorded it; False when it was already recorded or the booking is
    not one that holds a place that day (then there is nothing to give back). Releasing
    only makes room, so no library lock is needed (repository.py's locking rule).
    """
    booking = (
        await session.scalars(
            select(Booking).where(
                Booking.tenant_id == tenant_id,
                Booking.id == booking_id,
                Booking.library_id == library_id,
            )
        )
    ).first()
    if booking is None or booking.status not in HOLDING:
        log.warning("booking.no_show_for_unknown_booking", booking_id=str(booking_id))
        return False
    if not booking.start_date <= day <= booking.end_date:
        return False
    existing = await session.scalar(
        select(BookingDayRelease.id).where(
            BookingDayRelease.tenant_id == tenant_id,
            BookingDayRelease.booking_id == booking_id,
            BookingDayRelease.day == day,
        )
    )
    if existing is not None:
        return False
    session.add(
        BookingDayRelease(
            tenant_id=tenant_id,
            booking_id=booking_id,
            library_id=library_id,
            day=day,
            reason="no_show",
            event_id=event_id,
            created_at=utcnow(),
        )
    )
    await session.flush()
    return True
