"""Events the booking service consumes (run by `studyspot worker`, see docs/events.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import structlog
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.events import Consumer, Event
from studyspot.kit.models import utcnow
from studyspot.services.booking.service.holds import confirm_paid

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


CONSUMERS = [
    Consumer("booking_on_payment_captured", ("payment.captured",), on_payment_captured),
]
