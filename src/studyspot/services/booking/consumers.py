"""Events the booking service consumes (run by `studyspot worker`, see docs/events.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

import structlog
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.events import Consumer, Event
from studyspot.kit.models import utcnow
from studyspot.services.booking.service.holds import confirm_paid
from studyspot.services.booking.service.releases import release_day

log = structlog.get_logger("studyspot.booking")

# The worker has no booking runtime; tests move this clock instead of waiting for a hold to lapse.
clock: Callable[[], datetime] = utcnow


class PaymentCaptured(BaseModel):
    """`payment.captured` as docs/internal-api.md defines it."""

    payment_id: uuid.UUID
    booking_id: uuid.UUID
    tenant_id: uuid.UUID | None = None
    amount_paise: int = Field(ge=0)


async def on_payment_captured(event: Event, session: AsyncSession) -> None:
    """Confirm the paid booking; idempotent (the ledger skips a redelivered event, and a
    booking already confirmed by this payment is left as it is)."""
    try:
        data = PaymentCaptured.model_validate(event.payload)
    except ValidationError:
        # Retrying cannot fix a malformed event; say so and move on.
        log.error("booking.malformed_payment_captured", event_id=str(event.id))
        return
    if event.tenant_id is None or (data.tenant_id and data.tenant_id != event.tenant_id):
        log.error("booking.payment_captured_without_tenant", event_id=str(event.id))
        return
    await confirm_paid(
        session, event.tenant_id, data.booking_id, data.payment_id, data.amount_paise, clock()
    )


class NoShow(BaseModel):
    """`attendance.no_show` as docs/attendance.md defines it (the fields booking reads)."""

    booking_id: uuid.UUID
    library_id: uuid.UUID
    day: date


async def on_no_show(event: Event, session: AsyncSession) -> None:
    """Give the booking's place back for that one day; idempotent (one row per booking and day)."""
    try:
        data = NoShow.model_validate(event.payload)
    except ValidationError:
        log.error("booking.malformed_no_show", event_id=str(event.id))
        return
    if event.tenant_id is None:
        log.error("booking.no_show_without_tenant", event_id=str(event.id))
        return
    await release_day(
        session, event.tenant_id, data.booking_id, data.library_id, data.day, event.id
    )


CONSUMERS = [
    Consumer("booking_on_payment_captured", ("payment.captured",), on_payment_captured),
    Consumer("booking_on_no_show", ("attendance.no_show",), on_no_show),
]
