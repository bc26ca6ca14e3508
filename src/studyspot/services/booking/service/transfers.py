"""Transfer: the rest of a paid booking moves to another seat, shift or plan.

The move takes effect today (or on the first day, if the booking has not
started); days already past stay as they were. The booking keeps its dates and
the price it was sold at; the difference for the remaining days is computed
and recorded (and published) for the payment service to collect or credit:

    difference = (new plan total - sold total) * remaining days / all days

where a total is the price with its GST (the registration fee and deposit do
not change), rounded to the nearest paisa, halves away from zero.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.services.booking.access import Viewer
from studyspot.services.booking.errors import BookingStateConflict
from studyspot.services.booking.events import BookingTransferred, about, emit
from studyspot.services.booking.models import HOLDING, Booking, BookingTransfer
from studyspot.services.booking.pricing import prorate, quote
from studyspot.services.booking.repository import BookingRepository, lock_library
from studyspot.services.booking.rules import Occupancy, minus_ranges
from studyspot.services.booking.runtime import Runtime
from studyspot.services.booking.schemas.bookings import TransferRequest
from studyspot.services.booking.service.common import peek, record
from studyspot.services.booking.service.placement import (
    Claim,
    capacities,
    check_plan,
    ensure_free,
    local_today,
    seat_for,
    window_for,
)
from studyspot.services.booking.service.renewals import changed


@dataclass(frozen=True)
class Transferred:
    booking: Booking
    transfer: BookingTransfer


def _sold_total(booking: Booking) -> int:
    return quote(
        price_paise=booking.price_paise,
        registration_fee_paise=0,
        security_deposit_paise=0,
        gst_rate_percent=booking.gst_rate_bps // 100,
        price_includes_tax=booking.price_includes_tax,
    ).total_paise


async def transfer(
    session: AsyncSession,
    viewer: Viewer,
    booking_id: uuid.UUID,
    body: TransferRequest,
    runtime: Runtime,
) -> Transferred:
    viewer.require_staff_side()
    before = await peek(runtime, viewer, booking_id)
    now = runtime.now()
    if before.status not in HOLDING:
        raise BookingStateConflict(
            "booking_not_transferable", "Only a paid booking that has not ended can be transferred"
        )
    today = local_today(before.timezone, now)
    effective = max(today, before.start_date)
    if effective > before.end_date:
        raise BookingStateConflict("booking_not_transferable", "This booking has ended")
    seat_id = body.seat_id or before.seat_id
    up = runtime.upstream
    catalog = await up.catalog(viewer.tenant_id, before.library_id)
    plan = await up.fee_plan(viewer.tenant_id, body.fee_plan_id or before.fee_plan_id, catalog)
    if plan.id != before.fee_plan_id:
        check_plan(plan, before.library_id)
    if plan.duration_unit == "hour":
        raise BookingStateConflict("booking_not_transferable", "Hourly bookings cannot move")
    window = window_for(plan, catalog, body.shift_id or before.shift_id, None)
    seat = seat_for(plan, catalog, seat_id if plan.seat_assignment == "reserved" else None)
    if plan.id != before.fee_plan_id:
        await up.mark_plan_sold(plan, session)

    repo = BookingRepository(session, viewer.tenant_id)
    await lock_library(session, viewer.tenant_id, before.library_id)
    current = await repo.reload(booking_id)
    if current is None or current.updated_at != before.updated_at:
        raise changed()
    released = (await repo.released_pauses([booking_id])).get(booking_id, [])
    remaining = Occupancy(window, minus_ranges(effective, current.end_date, released))
    claim = Claim(
        current.library_id,
        current.student_id,
        seat.id if seat else None,
        seat.seat_type if seat else plan.seat_type,
        plan.allow_overlapping_bookings,
        capacities(catalog),
    )
    await ensure_free(repo, claim, remaining, now, exclude=booking_id)

    whole = (current.end_date - current.start_date).days + 1
    left = (current.end_date - effective).days + 1
    new_total = quote(
        price_paise=plan.price_paise,
        registration_fee_paise=0,
        security_deposit_paise=0,
        gst_rate_percent=plan.gst_rate_percent,
        price_includes_tax=plan.price_includes_tax,
    ).total_paise
    difference = prorate(new_total - _sold_total(current), left, whole)
    moved = await repo.transition(
        booking_id,
        [s.value for s in HOLDING],
        {
            "seat_id": claim.seat_id,
            "seat_label": seat.label if seat else None,
            "seat_type": claim.seat_type,
            "seat_assignment": plan.seat_assignment,
            "shift_id": body.shift_id or current.shift_id,
            "fee_plan_id": plan.id,
            "window_start": window.start,
            "window_end": window.end,
            "updated_at": now,
        },
        Booking.updated_at == current.updated_at,
    )
    if not moved:
        raise changed()
    record_row = BookingTransfer(
        tenant_id=viewer.tenant_id,
        booking_id=booking_id,
        effective_date=effective,
        from_seat_id=current.seat_id,
        to_seat_id=claim.seat_id,
        from_shift_id=current.shift_id,
        to_shift_id=body.shift_id or current.shift_id,
        from_fee_plan_id=current.fee_plan_id,
        to_fee_plan_id=plan.id,
        from_window_start=current.window_start,
        from_window_end=current.window_end,
        to_window_start=window.start,
        to_window_end=window.end,
        price_difference_paise=difference,
        created_by=viewer.user_id,
        created_at=now,
    )
    from_seat, from_shift = current.seat_id, current.shift_id
    session.add(record_row)
    await session.flush()
    updated = await repo.reload(booking_id)
    assert updated is not None
    await record(
        session,
        viewer.actor,
        "booking.transferred",
        booking_id,
        {
            "from_seat_id": str(from_seat) if from_seat else None,
            "to_seat_id": str(claim.seat_id) if claim.seat_id else None,
            "price_difference_paise": difference,
        },
    )
    await emit(
        session,
        BookingTransferred(
            **about(updated),
            effective_date=effective,
            from_seat_id=from_seat,
            to_seat_id=claim.seat_id,
            from_shift_id=from_shift,
            to_shift_id=updated.shift_id,
            price_difference_paise=difference,
        ),
        viewer.tenant_id,
    )
    return Transferred(updated, record_row)
