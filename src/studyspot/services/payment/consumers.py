"""Events the payment service consumes: the booking's life keeps the dues ledger.

Run by `studyspot worker` (docs/events.md). The processed-event ledger runs
each handler once per event, but events of one booking may arrive in any
order (a retry overtakes), so every handler is an upsert that is right
whichever comes first: a close made before the booking's `booking.created`
stays closed, a transfer made before it keeps its difference.

The payloads are read with this module's own models, which name only what the
ledger needs, so that the booking service may add fields freely.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, TypeVar

import structlog
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record
from studyspot.kit.events import Consumer, Event
from studyspot.services.payment.invoicing import INDIA
from studyspot.services.payment.repository import Dues, Payments
from studyspot.services.payment.schemas import MAX_PAISE

log = structlog.get_logger("studyspot.payment")

P = TypeVar("P", bound="BookingFact")


class BookingFact(BaseModel):
    booking_id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID


class BookingCreated(BookingFact):
    start_date: date
    total_paise: int = Field(ge=0, le=MAX_PAISE)


class BookingCancelled(BookingFact):
    start_date: date


class BookingExpired(BookingFact):
    pass


class BookingTransferred(BookingFact):
    effective_date: date
    price_difference_paise: int = Field(ge=-MAX_PAISE, le=MAX_PAISE)


class BookingConfirmationFailed(BookingFact):
    payment_id: uuid.UUID
    reason: Literal["hold_expired", "not_pending"]


def _read(model: type[P], event: Event) -> tuple[P, uuid.UUID] | None:
    """The payload and tenant, or None (logged) for an event no retry can fix."""
    try:
        data = model.model_validate(event.payload)
    except ValidationError:
        log.error("payment.malformed_event", event_id=str(event.id), topic=event.topic)
        return None
    if event.tenant_id is None:
        log.error("payment.event_without_tenant", event_id=str(event.id), topic=event.topic)
        return None
    return data, event.tenant_id


def _local_day(moment: datetime) -> date:
    return moment.astimezone(INDIA).date()


async def on_booking_created(event: Event, session: AsyncSession) -> None:
    """The new booking is owed in full from now, before any payment is tried."""
    read = _read(BookingCreated, event)
    if read is None:
        return
    data, tenant_id = read
    await Dues(session, tenant_id).record_booking(
        booking_id=data.booking_id,
        student_id=data.student_id,
        library_id=data.library_id,
        charged_paise=data.total_paise,
        due_date=data.start_date,
    )


async def _close(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    data: BookingFact,
    status: Literal["cancelled", "expired"],
    event: Event,
    due_date: date,
) -> None:
    await Dues(session, tenant_id).close(
        booking_id=data.booking_id,
        student_id=data.student_id,
        library_id=data.library_id,
        status=status,
        closed_at=event.occurred_at,
        due_date=due_date,
    )


async def on_booking_cancelled(event: Event, session: AsyncSession) -> None:
    read = _read(BookingCancelled, event)
    if read is not None:
        data, tenant_id = read
        await _close(session, tenant_id, data, "cancelled", event, data.start_date)


async def on_booking_expired(event: Event, session: AsyncSession) -> None:
    read = _read(BookingExpired, event)
    if read is not None:
        data, tenant_id = read
        await _close(session, tenant_id, data, "expired", event, _local_day(event.occurred_at))


async def on_booking_transferred(event: Event, session: AsyncSession) -> None:
    """The student owes the difference of the new seat, shift or plan (or is owed it)."""
    read = _read(BookingTransferred, event)
    if read is None:
        return
    data, tenant_id = read
    if data.price_difference_paise == 0:
        return
    await Dues(session, tenant_id).adjust(
        booking_id=data.booking_id,
        student_id=data.student_id,
        library_id=data.library_id,
        difference_paise=data.price_difference_paise,
        due_date=data.effective_date,
    )


async def on_confirmation_failed(event: Event, session: AsyncSession) -> None:
    """Money was captured for a booking no longer held: close its due, which then shows the
    money as owed back, and leave an audit entry asking for the refund."""
    read = _read(BookingConfirmationFailed, event)
    if read is None:
        return
    data, tenant_id = read
    status: Literal["cancelled", "expired"] = (
        "expired" if data.reason == "hold_expired" else "cancelled"
    )
    await _close(session, tenant_id, data, status, event, _local_day(event.occurred_at))
    payment = await Payments(session, tenant_id).get(data.payment_id)
    await record(
        session,
        "payment.refund_needed",
        "payment",
        data.payment_id,
        tenant_id=tenant_id,
        actor_type="system:worker",
        outcome="failure",
        details={
            "booking_id": str(data.booking_id),
            "reason": data.reason,
            "amount_paise": payment.amount_paise if payment is not None else None,
            "event_id": str(event.id),
        },
    )


CONSUMERS = [
    Consumer("payment_dues_on_booking_created", ("booking.created",), on_booking_created),
    Consumer("payment_dues_on_booking_cancelled", ("booking.cancelled",), on_booking_cancelled),
    Consumer("payment_dues_on_booking_expired", ("booking.expired",), on_booking_expired),
    Consumer(
        "payment_dues_on_booking_transferred", ("booking.transferred",), on_booking_transferred
    ),
    Consumer(
        "payment_refund_on_confirmation_failed",
        ("booking.confirmation_failed",),
        on_confirmation_failed,
    ),
]
