"""Holds: making a booking (a hold awaiting payment), confirming it when paid, letting it expire.

A new booking is `pending_payment` with `hold_expires_at`; while the hold runs
it blocks its place, and once it has run out it blocks nothing — the conflict
query ignores it — even before the sweep marks it `expired`. Confirmation is
one conditional UPDATE that wins only while the hold still runs.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.scope import Actor
from studyspot.services.booking.access import Viewer
from studyspot.services.booking.errors import BookingNotFound, BookingNotPending, HoldExpired
from studyspot.services.booking.events import (
    BookingConfirmationFailed,
    BookingConfirmed,
    BookingCreated,
    BookingExpired,
    about,
    emit,
)
from studyspot.services.booking.models import HOLDING, Booking, BookingStatus, WaitlistStatus
from studyspot.services.booking.repository import (
    BookingRepository,
    WaitlistRepository,
    lock_library,
)
from studyspot.services.booking.runtime import Runtime
from studyspot.services.booking.schemas.bookings import BookingCreate
from studyspot.services.booking.service.common import record, visible_or_404
from studyspot.services.booking.service.placement import Placement, ensure_free, prepare, price_of

log = structlog.get_logger("studyspot.booking")


async def create_booking(
    session: AsyncSession, viewer: Viewer, body: BookingCreate, runtime: Runtime
) -> Booking:
    student_id = viewer.student_for(body.student_id)
    placement = await prepare(
        runtime,
        viewer,
        student_id=student_id,
        library_id=body.library_id,
        seat_id=body.seat_id,
        shift_id=body.shift_id,
        fee_plan_id=body.fee_plan_id,
        start_date=body.start_date,
        slot_start=body.slot_start,
        session=session,
    )
    await runtime.upstream.mark_plan_sold(placement.plan, session)
    now = runtime.now()
    return await place_hold(
        session,
        placement,
        now=now,
        hold_until=now + timedelta(minutes=runtime.config.hold_minutes),
        actor=viewer.actor,
    )


async def place_hold(
    session: AsyncSession,
    placement: Placement,
    *,
    now: datetime,
    hold_until: datetime,
    actor: Actor,
    renewed_from_id: uuid.UUID | None = None,
    waitlist_entry_id: uuid.UUID | None = None,
    price: tuple[int, int, int, int, bool] | None = None,
) -> Booking:
    """Lock the library, check the place is free, insert the hold, audit and publish it.

    `price` overrides the plan's (price, registration fee, deposit, GST %,
    inclusive) — a waitlist offer is made on the terms quoted when the student joined.
    """
    tenant_id = placement.tenant_id
    await lock_library(session, tenant_id, placement.library_id)
    repo = BookingRepository(session, tenant_id)
    await ensure_free(repo, placement.claim(), placement.occupancy(), now)
    plan = placement.plan
    first_paid = not await repo.has_paid_booking(placement.student_id, placement.library_id)
    terms = price or (
        plan.price_paise,
        plan.registration_fee_paise,
        plan.security_deposit_paise,
        plan.gst_rate_percent,
        plan.price_includes_tax,
    )
    quote = price_of(*terms, first_paid_booking=first_paid)
    booking = Booking(
        student_id=placement.student_id,
        library_id=placement.library_id,
        seat_id=placement.seat.id if placement.seat else None,
        seat_label=placement.seat.label if placement.seat else None,
        seat_type=placement.seat_type,
        seat_assignment=placement.seat_assignment,
        shift_id=placement.shift_id,
        fee_plan_id=plan.id,
        window_start=placement.window.start,
        window_end=placement.window.end,
        start_date=placement.start_date,
        end_date=placement.end_date,
        timezone=placement.timezone,
        status=BookingStatus.pending_payment,
        hold_expires_at=hold_until,
        price_paise=quote.price_paise,
        registration_fee_paise=quote.registration_fee_paise,
        security_deposit_paise=quote.security_deposit_paise,
        gst_rate_bps=quote.gst_rate_bps,
        price_includes_tax=quote.price_includes_tax,
        taxable_paise=quote.taxable_paise,
        gst_paise=quote.gst_paise,
        total_paise=quote.total_paise,
        max_pause_days=plan.max_pause_days,
        max_pauses_per_year=plan.max_pauses_per_year,
        keep_seat_on_pause=plan.keep_seat_on_pause,
        renewed_from_id=renewed_from_id,
        waitlist_entry_id=waitlist_entry_id,
        paused_days=0,
        releases_seat_on_pause=False,
        created_by=actor.id,
        created_by_type=actor.type,
        created_at=now,
        updated_at=now,
    )
    await repo.add(booking)
    await record(
        session,
        actor,
        "booking.created",
        booking.id,
        {
            "seat_id": str(booking.seat_id) if booking.seat_id else None,
            "start_date": booking.start_date.isoformat(),
            "end_date": booking.end_date.isoformat(),
            "total_paise": booking.total_paise,
            "renewed_from_id": str(renewed_from_id) if renewed_from_id else None,
            "waitlist_entry_id": str(waitlist_entry_id) if waitlist_entry_id else None,
        },
    )
    await emit(
        session,
        BookingCreated(
            **about(booking),
            seat_id=booking.seat_id,
            shift_id=booking.shift_id,
            fee_plan_id=booking.fee_plan_id,
            start_date=booking.start_date,
            end_date=booking.end_date,
            hold_expires_at=hold_until,
            total_paise=booking.total_paise,
            renewed_from_id=renewed_from_id,
            waitlist_entry_id=waitlist_entry_id,
        ),
        tenant_id,
    )
    return booking


async def confirm(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    booking_id: uuid.UUID,
    *,
    now: datetime,
    actor: Actor,
    payment_id: uuid.UUID | None,
    via: str,
    viewer: Viewer | None = None,
) -> Booking:
    """pending_payment → confirmed, only while the hold runs.

    Confirming again with the same payment is answered with the booking
    (idempotent); anything else that lost is a 409 saying why.
    """
    repo = BookingRepository(session, tenant_id)
    booking = await repo.get(booking_id)
    if viewer is not None:
        visible_or_404(viewer, booking)
    elif booking is None:
        raise BookingNotFound()
    won = await repo.transition(
        booking_id,
        [BookingStatus.pending_payment],
        {
            "status": BookingStatus.confirmed,
            "confirmed_at": now,
            "confirmed_by": actor.id,
            "payment_id": payment_id,
            "updated_at": now,
        },
        Booking.hold_expires_at > now,
    )
    current = await repo.reload(booking_id)
    assert current is not None
    if not won:
        if (
            current.status in HOLDING
            and payment_id is not None
            and current.payment_id == payment_id
        ):
            return current
        if (
            current.status == BookingStatus.expired
            or current.status == BookingStatus.pending_payment
        ):
            raise HoldExpired()
        raise BookingNotPending(current.status)
    await record(
        session,
        actor,
        "booking.confirmed",
        booking_id,
        {"payment_id": str(payment_id) if payment_id else None, "via": via},
    )
    await emit(
        session,
        BookingConfirmed(
            **about(current),
            payment_id=payment_id,
            confirmed_via="payment" if via == "payment" else "desk",
            start_date=current.start_date,
            end_date=current.end_date,
            total_paise=current.total_paise,
        ),
        tenant_id,
    )
    if current.waitlist_entry_id is not None:
        await WaitlistRepository(session, tenant_id).transition(
            current.waitlist_entry_id,
            [WaitlistStatus.offered],
            {"status": WaitlistStatus.booked, "closed_at": now, "updated_at": now},
        )
    return current


async def confirm_paid(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    booking_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount_paise: int,
    now: datetime,
) -> None:
    """`payment.captured`: confirm the hold, or say (`booking.confirmation_failed`) that the
    money came for a booking that is no longer held, so that the payment service refunds it.

    Any capture confirms a held booking: the payment service computes what is
    due and may take part of it at the desk (dues stay its business). A
    capture for a booking already paid is a balance payment: nothing to do.
    Never raises for a business outcome: a captured payment that cannot confirm
    is a fact to act on, not something to retry.
    """
    repo = BookingRepository(session, tenant_id)
    booking = await repo.get(booking_id)
    if booking is None:
        log.warning("booking.capture_for_unknown_booking", booking_id=str(booking_id))
        return
    if booking.status in (*HOLDING, BookingStatus.completed):
        return
    reason: str
    try:
        await confirm(
            session,
            tenant_id,
            booking_id,
            now=now,
            actor=Actor.system("payment", tenant_id=tenant_id),
            payment_id=payment_id,
            via="payment",
        )
        return
    except HoldExpired:
        reason = "hold_expired"
    except BookingNotPending:
        reason = "not_pending"
    await record(
        session,
        Actor.system("payment", tenant_id=tenant_id),
        "booking.confirmation_failed",
        booking_id,
        {"payment_id": str(payment_id), "reason": reason, "amount_paise": amount_paise},
    )
    await emit(
        session,
        BookingConfirmationFailed(
            **about(booking),
            payment_id=payment_id,
            reason=reason,
        ),
        tenant_id,
    )


async def expire_hold(
    session: AsyncSession, tenant_id: uuid.UUID, booking_id: uuid.UUID, now: datetime
) -> Booking | None:
    """pending_payment → expired once the hold ran out; None when it was paid (or done) first."""
    repo = BookingRepository(session, tenant_id)
    won = await repo.transition(
        booking_id,
        [BookingStatus.pending_payment],
        {"status": BookingStatus.expired, "expired_at": now, "updated_at": now},
        Booking.hold_expires_at <= now,
    )
    if not won:
        return None
    booking = await repo.reload(booking_id)
    assert booking is not None
    actor = Actor.system(tenant_id=tenant_id)
    await record(session, actor, "booking.expired", booking_id)
    await emit(
        session,
        BookingExpired(**about(booking), waitlist_entry_id=booking.waitlist_entry_id),
        tenant_id,
    )
    if booking.waitlist_entry_id is not None:
        # An offer not taken up: that student's turn is over.
        await WaitlistRepository(session, tenant_id).transition(
            booking.waitlist_entry_id,
            [WaitlistStatus.offered],
            {"status": WaitlistStatus.lapsed, "closed_at": now, "updated_at": now},
        )
    return booking
