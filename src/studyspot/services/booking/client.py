"""The booking service's client: the only module other services import.

It holds the contract types of the internal API (docs/internal-api.md), so
caller and callee validate the same shapes, and it imports nothing else of
the booking service.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from studyspot.kit.service_client import ServiceClient

InternalBookingStatus = Literal[
    "pending_payment", "confirmed", "active", "completed", "cancelled", "expired"
]


class InternalBooking(BaseModel):
    """A booking as the payment service needs it; `total_paise` is what the student owes."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID
    seat_id: uuid.UUID | None
    shift_id: uuid.UUID | None
    fee_plan_id: uuid.UUID
    status: InternalBookingStatus = Field(
        description="A pending booking whose hold ran out is reported as expired"
    )
    start_date: date
    end_date: date
    hold_expires_at: datetime | None
    payment_id: uuid.UUID | None
    price_paise: int = Field(ge=0)
    registration_fee_paise: int = Field(ge=0)
    security_deposit_paise: int = Field(ge=0)
    gst_rate_bps: int = Field(ge=0, le=10_000)
    price_includes_tax: bool
    taxable_paise: int = Field(ge=0)
    gst_paise: int = Field(ge=0)
    total_paise: int = Field(ge=0)
    currency: Literal["INR"] = "INR"


class InternalConfirm(BaseModel):
    """Body of `POST /internal/bookings/{id}/confirm`."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: uuid.UUID
    payment_id: uuid.UUID


class BookingClient(ServiceClient):
    service = "booking"

    async def get_booking(
        self, tenant_id: uuid.UUID, booking_id: uuid.UUID
    ) -> InternalBooking | None:
        """The booking, or None when this tenant has no such booking."""
        reply = await self.call(
            "GET",
            f"/internal/bookings/{booking_id}",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
        )
        if reply.status == 404:
            return None
        self.raise_for_problem(reply, self.service)
        return InternalBooking.model_validate(reply.json())

    async def confirm_booking(
        self, tenant_id: uuid.UUID, booking_id: uuid.UUID, payment_id: uuid.UUID
    ) -> InternalBooking:
        """Confirm a paid booking (idempotent for the same payment).

        AppError 409 `hold_expired` / `booking_not_pending` and 404
        `booking_not_found` pass through.
        """
        body = InternalConfirm(tenant_id=tenant_id, payment_id=payment_id)
        reply = await self.call(
            "POST",
            f"/internal/bookings/{booking_id}/confirm",
            json=body.model_dump(mode="json"),
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return InternalBooking.model_validate(reply.json())
