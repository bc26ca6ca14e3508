"""Events the booking service publishes (transactional outbox), one model per topic.

Every payload carries ids as strings, dates as `YYYY-MM-DD`, times as ISO 8601
with offset and money in paise; `tenant_id` travels on the event itself.

| topic | when |
|---|---|
| `booking.created` | a booking (a hold awaiting payment) was made, also by renewal or a waitlist offer |
| `booking.confirmed` | paid: by `payment.captured`, the payment service, or staff at the desk |
| `booking.activated` / `booking.completed` | its first day began / its last day ended |
| `booking.cancelled` | cancelled (refund decisions are the payment service's) |
| `booking.expired` | the hold lapsed unpaid; the place was already free for others |
| `booking.renewal_due` | renewal opened (days before the end, once per booking) |
| `booking.transferred` | seat, shift or plan changed, with the price difference |
| `booking.paused` | frozen for some days; the end moved |
| `booking.confirmation_failed` | a capture came for a booking no longer held (hold expired, cancelled): refund it |
| `waitlist.offered` | a waiting student was given a held booking until `offer_expires_at` |
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.outbox import publish
from studyspot.services.booking.models import Booking


class BookingEvent(BaseModel):
    topic: ClassVar[str]

    booking_id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID


class BookingCreated(BookingEvent):
    topic = "booking.created"

    seat_id: uuid.UUID | None
    shift_id: uuid.UUID | None
    fee_plan_id: uuid.UUID
    start_date: date
    end_date: date
    hold_expires_at: datetime
    total_paise: int
    renewed_from_id: uuid.UUID | None
    waitlist_entry_id: uuid.UUID | None


class BookingConfirmed(BookingEvent):
    topic = "booking.confirmed"

    payment_id: uuid.UUID | None
    confirmed_via: Literal["payment", "desk"]
    start_date: date
    end_date: date
    total_paise: int


class BookingActivated(BookingEvent):
    topic = "booking.activated"


class BookingCompleted(BookingEvent):
    topic = "booking.completed"


class BookingCancelled(BookingEvent):
    topic = "booking.cancelled"

    previous_status: str
    was_paid: bool
    reason: str
    cancelled_by: uuid.UUID | None
    start_date: date
    end_date: date


class BookingExpired(BookingEvent):
    topic = "booking.expired"

    waitlist_entry_id: uuid.UUID | None


class BookingRenewalDue(BookingEvent):
    topic = "booking.renewal_due"

    end_date: date
    renewal_start_date: date


class BookingTransferred(BookingEvent):
    topic = "booking.transferred"

    effective_date: date
    from_seat_id: uuid.UUID | None
    to_seat_id: uuid.UUID | None
    from_shift_id: uuid.UUID | None
    to_shift_id: uuid.UUID | None
    price_difference_paise: int


class BookingPaused(BookingEvent):
    topic = "booking.paused"

    start_date: date
    end_date: date
    days: int
    new_end_date: date
    releases_seat: bool


class BookingConfirmationFailed(BookingEvent):
    topic = "booking.confirmation_failed"

    payment_id: uuid.UUID
    reason: Literal["hold_expired", "not_pending"]


class WaitlistOffered(BookingEvent):
    topic = "waitlist.offered"

    waitlist_entry_id: uuid.UUID
    offer_expires_at: datetime


def about(booking: Booking) -> dict[str, uuid.UUID]:
    return {
        "booking_id": booking.id,
        "student_id": booking.student_id,
        "library_id": booking.library_id,
    }


async def emit(session: AsyncSession, event: BookingEvent, tenant_id: uuid.UUID) -> uuid.UUID:
    """Write the event to the outbox in the caller's transaction."""
    return await publish(session, event.topic, event.model_dump(mode="json"), tenant_id=tenant_id)
