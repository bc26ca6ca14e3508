"""Renewal: a new booking from the day after this one ends, the same seat when it is free.

Renewal opens `renewal_window_days` (7) before the end (when `booking.renewal_due`
is published) and closes when the booking ends. The new booking is a hold like
any other, priced from the plan as it is now; a booking is renewed once (until
that renewal lapses or is cancelled).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.services.booking.access import Viewer
from studyspot.services.booking.errors import BookingStateConflict
from studyspot.services.booking.models import HOLDING, Booking
from studyspot.services.booking.repository import BookingRepository, lock_library
from studyspot.services.booking.runtime import Runtime
from studyspot.services.booking.schemas.bookings import RenewRequest
from studyspot.services.booking.service.common import peek
from studyspot.services.booking.service.holds import place_hold
from studyspot.services.booking.service.placement import local_today, prepare


def changed() -> BookingStateConflict:
    return BookingStateConflict(
        "booking_changed", "The booking changed while this request ran; try again"
    )


async def renew(
    session: AsyncSession,
    viewer: Viewer,
    booking_id: uuid.UUID,
    body: RenewRequest,
    runtime: Runtime,
) -> Booking:
    before = await peek(runtime, viewer, booking_id)
    now = runtime.now()
    if before.status not in HOLDING:
        raise BookingStateConflict(
            "booking_not_renewable", "Only a paid booking that has not ended can be renewed"
        )
    today = local_today(before.timezone, now)
    opens = before.end_date - timedelta(days=runtime.config.renewal_window_days)
    if today < opens or today > before.end_date:
        raise BookingStateConflict(
            "renewal_not_open",
            f"Renewal is open from {opens.isoformat()} to {before.end_date.isoformat()}",
        )
    placement = await prepare(
        runtime,
        viewer,
        student_id=before.student_id,
        library_id=before.library_id,
        seat_id=body.seat_id or before.seat_id,
        shift_id=before.shift_id,
        fee_plan_id=body.fee_plan_id or before.fee_plan_id,
        start_date=before.end_date + timedelta(days=1),
        inherit_seat=body.seat_id is None,
    )
    if placement.plan.duration_unit == "hour":
        raise BookingStateConflict("booking_not_renewable", "Hourly bookings are not renewed")
    await runtime.upstream.mark_plan_sold(placement.plan, session)
    repo = BookingRepository(session, viewer.tenant_id)
    await lock_library(session, viewer.tenant_id, before.library_id)
    current = await repo.reload(booking_id)
    if current is None or current.status not in HOLDING or current.end_date != before.end_date:
        raise changed()
    if await repo.live_renewal_of(booking_id, now) is not None:
        raise BookingStateConflict("already_renewed", "This booking has already been renewed")
    return await place_hold(
        session,
        placement,
        now=now,
        hold_until=now + timedelta(minutes=runtime.config.hold_minutes),
        actor=viewer.actor,
        renewed_from_id=booking_id,
    )
