"""Pause (freeze): the booking's end moves by the paused days, within the plan's limits.

Limits come from the plan as sold (copied onto the booking): at most
`max_pause_days` per pause and `max_pauses_per_year` pauses in any 365 days;
a plan with `max_pause_days` 0 allows none. The seat is kept during the pause
or given back (`keep_seat_on_pause`); either way the extension at the end must
be free, or the pause is refused with `seat_unavailable`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.services.booking.access import Viewer
from studyspot.services.booking.errors import BookingRefused, BookingStateConflict
from studyspot.services.booking.events import BookingPaused, about, emit
from studyspot.services.booking.models import HOLDING, Booking, BookingPause
from studyspot.services.booking.repository import BookingRepository, lock_library
from studyspot.services.booking.rules import DailyWindow, Occupancy
from studyspot.services.booking.runtime import Runtime
from studyspot.services.booking.schemas.bookings import PauseRequest
from studyspot.services.booking.service.common import peek, record
from studyspot.services.booking.service.placement import (
    Claim,
    capacities,
    ensure_free,
    local_today,
)
from studyspot.services.booking.service.renewals import changed


async def pause(
    session: AsyncSession,
    viewer: Viewer,
    booking_id: uuid.UUID,
    body: PauseRequest,
    runtime: Runtime,
) -> Booking:
    before = await peek(runtime, viewer, booking_id)
    now = runtime.now()
    if before.status not in HOLDING:
        raise BookingStateConflict(
            "booking_not_pausable", "Only a paid booking that has not ended can be paused"
        )
    if before.max_pause_days == 0 or before.max_pauses_per_year == 0:
        raise BookingRefused("pause_not_allowed", "This booking's plan does not allow pauses")
    if body.days > before.max_pause_days:
        raise BookingRefused(
            "pause_too_long",
            f"A pause lasts at most {before.max_pause_days} days on this plan",
            "body.days",
        )
    last_paused = body.start_date + timedelta(days=body.days - 1)
    today = local_today(before.timezone, now)
    if body.start_date < max(today, before.start_date) or last_paused > before.end_date:
        raise BookingRefused(
            "pause_outside_booking",
            "A pause starts today or later and lies within the booking",
            "body.start_date",
        )
    catalog = await runtime.upstream.catalog(viewer.tenant_id, before.library_id)

    repo = BookingRepository(session, viewer.tenant_id)
    await lock_library(session, viewer.tenant_id, before.library_id)
    current = await repo.reload(booking_id)
    if current is None or current.updated_at != before.updated_at:
        raise changed()
    earlier = await repo.pauses_of(booking_id)
    if any(p.start_date <= last_paused and body.start_date <= p.end_date for p in earlier):
        raise BookingStateConflict("pause_overlaps", "This booking is already paused then")
    year_ago = body.start_date - timedelta(days=365)
    if sum(1 for p in earlier if p.start_date > year_ago) >= current.max_pauses_per_year:
        raise BookingRefused(
            "pause_limit_reached",
            f"At most {current.max_pauses_per_year} pauses in a year on this plan",
        )
    new_end = current.end_date + timedelta(days=body.days)
    extension = Occupancy.of(
        DailyWindow(current.window_start, current.window_end),
        current.end_date + timedelta(days=1),
        new_end,
    )
    claim = Claim(
        current.library_id,
        current.student_id,
        current.seat_id,
        current.seat_type,
        False,
        capacities(catalog),
    )
    await ensure_free(repo, claim, extension, now, exclude=booking_id)
    releases = not current.keep_seat_on_pause
    moved = await repo.transition(
        booking_id,
        [s.value for s in HOLDING],
        {
            "end_date": new_end,
            "paused_days": current.paused_days + body.days,
            "releases_seat_on_pause": current.releases_seat_on_pause or releases,
            "updated_at": now,
        },
        Booking.end_date == current.end_date,
        Booking.updated_at == current.updated_at,
    )
    if not moved:
        raise changed()
    session.add(
        BookingPause(
            tenant_id=viewer.tenant_id,
            booking_id=booking_id,
            start_date=body.start_date,
            end_date=last_paused,
            days=body.days,
            releases_seat=releases,
            reason=body.reason,
            created_by=viewer.user_id,
            created_at=now,
        )
    )
    await session.flush()
    updated = await repo.reload(booking_id)
    assert updated is not None
    await record(
        session,
        viewer.actor,
        "booking.paused",
        booking_id,
        {"start_date": body.start_date.isoformat(), "days": body.days, "releases_seat": releases},
    )
    await emit(
        session,
        BookingPaused(
            **about(updated),
            start_date=body.start_date,
            end_date=last_paused,
            days=body.days,
            new_end_date=new_end,
            releases_seat=releases,
        ),
        viewer.tenant_id,
    )
    return updated
