"""The rest of a booking's life: cancelled by someone, activated and completed by the calendar,
and the renewal reminder. Each change is one conditional UPDATE, audited and published."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.scope import Actor
from studyspot.services.booking.access import Viewer
from studyspot.services.booking.errors import BookingStateConflict
from studyspot.services.booking.events import (
    BookingActivated,
    BookingCancelled,
    BookingCompleted,
    BookingRenewalDue,
    about,
    emit,
)
from studyspot.services.booking.models import Booking, BookingStatus, WaitlistStatus
from studyspot.services.booking.repository import BookingRepository, WaitlistRepository
from studyspot.services.booking.schemas.bookings import effective_status
from studyspot.services.booking.service.common import record, visible_or_404
from studyspot.services.booking.service.placement import local_today

CANCELLABLE = (BookingStatus.pending_payment, BookingStatus.confirmed, BookingStatus.active)


async def cancel(
    session: AsyncSession, viewer: Viewer, booking_id: uuid.UUID, reason: str, now: datetime
) -> Booking:
    """Cancel a live booking; its place is free at once. Refunds are the payment service's call."""
    repo = BookingRepository(session, viewer.tenant_id)
    booking = visible_or_404(viewer, await repo.get(booking_id))
    previous = effective_status(booking, now)
    won = await repo.transition(
        booking_id,
        [s.value for s in CANCELLABLE],
        {
            "status": BookingStatus.cancelled,
            "cancelled_at": now,
            "cancelled_by": viewer.user_id,
            "cancel_reason": reason,
            "updated_at": now,
        },
        # A lapsed hold is already over: nothing left to cancel.
        or_(Booking.status != BookingStatus.pending_payment, Booking.hold_expires_at > now),
    )
    current = await repo.reload(booking_id)
    assert current is not None
    if not won:
        raise BookingStateConflict(
            "booking_not_cancellable",
            f"This booking is {effective_status(current, now)} and cannot be cancelled",
        )
    actor = viewer.actor
    await record(
        session, actor, "booking.cancelled", booking_id, {"reason": reason, "from": previous}
    )
    await emit(
        session,
        BookingCancelled(
            **about(current),
            previous_status=previous,
            was_paid=current.confirmed_at is not None,
            reason=reason,
            cancelled_by=viewer.user_id,
            start_date=current.start_date,
            end_date=current.end_date,
        ),
        viewer.tenant_id,
    )
    if current.waitlist_entry_id is not None:
        await WaitlistRepository(session, viewer.tenant_id).transition(
            current.waitlist_entry_id,
            [WaitlistStatus.offered],
            {"status": WaitlistStatus.declined, "closed_at": now, "updated_at": now},
        )
    return current


async def advance_by_calendar(
    session: AsyncSession, tenant_id: uuid.UUID, now: datetime, *, limit: int = 500
) -> int:
    """confirmed → active on the first day, active → completed after the last (local dates)."""
    repo = BookingRepository(session, tenant_id)
    actor = Actor.system(tenant_id=tenant_id)
    changed = 0
    # The UTC date is at most a day away from any local one: fetch a day wide, decide exactly.
    horizon = now.date() + timedelta(days=1)
    for booking in await repo.starting_by(horizon, limit):
        if booking.start_date > local_today(booking.timezone, now):
            continue
        if await repo.transition(
            booking.id,
            [BookingStatus.confirmed],
            {"status": BookingStatus.active, "activated_at": now, "updated_at": now},
        ):
            await record(session, actor, "booking.activated", booking.id)
            await emit(session, BookingActivated(**about(booking)), tenant_id)
            changed += 1
    for booking in await repo.ended_before(horizon, limit):
        if booking.end_date >= local_today(booking.timezone, now):
            continue
        if await repo.transition(
            booking.id,
            [BookingStatus.active],
            {"status": BookingStatus.completed, "completed_at": now, "updated_at": now},
        ):
            await record(session, actor, "booking.completed", booking.id)
            await emit(session, BookingCompleted(**about(booking)), tenant_id)
            changed += 1
    return changed


async def announce_renewals(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    now: datetime,
    window_days: int,
    *,
    limit: int = 500,
) -> int:
    """`booking.renewal_due` once per booking, when renewal opens (window_days before the end)."""
    repo = BookingRepository(session, tenant_id)
    actor = Actor.system(tenant_id=tenant_id)
    sent = 0
    horizon = now.date() + timedelta(days=window_days + 1)
    for booking in await repo.renewal_due_by(horizon, limit):
        today = local_today(booking.timezone, now)
        if booking.end_date - timedelta(days=window_days) > today:
            continue
        if await repo.transition(
            booking.id,
            [booking.status],
            {"renewal_notified_at": now},
            Booking.renewal_notified_at.is_(None),
        ):
            await record(session, actor, "booking.renewal_due", booking.id)
            await emit(
                session,
                BookingRenewalDue(
                    **about(booking),
                    end_date=booking.end_date,
                    renewal_start_date=booking.end_date + timedelta(days=1),
                ),
                tenant_id,
            )
            sent += 1
    return sent
