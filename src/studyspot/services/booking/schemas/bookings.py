"""Bookings: what a caller sends to make or change one, and what it reads back."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from studyspot.kit.schemas import WriteModel
from studyspot.services.booking.models import Booking, BookingStatus
from studyspot.services.booking.rules import MINUTES_PER_DAY, DailyWindow, hhmm
from studyspot.services.booking.schemas.common import (
    BookingStatusName,
    IsoDate,
    LocalTime,
    Paise,
    Reason,
    SeatAssignment,
    SeatKind,
    SignedPaise,
    WindowEnd,
)


class BookingCreate(WriteModel):
    """A seat (or floating place) for a shift over the plan's period. Prices are never sent:
    the server computes them from the plan, and a price field in the body is refused."""

    student_id: uuid.UUID | None = Field(
        default=None,
        description="Required for staff; a student books for itself and may leave it out",
    )
    library_id: uuid.UUID
    seat_id: uuid.UUID | None = Field(
        default=None, description="Required for a reserved-seat plan; absent for a floating one"
    )
    shift_id: uuid.UUID | None = Field(
        default=None, description="Required unless the plan is a full-day plan"
    )
    fee_plan_id: uuid.UUID
    start_date: IsoDate = Field(description="First day, in the library's local calendar")
    slot_start: LocalTime | None = Field(
        default=None, description="Hourly plans only: when the slot starts"
    )


class ConfirmRequest(WriteModel):
    """Staff confirm a booking paid at the desk."""

    payment_id: uuid.UUID | None = Field(
        default=None, description="The payment service's record of the desk payment, if any"
    )


class CancelRequest(WriteModel):
    reason: Reason


class RenewRequest(WriteModel):
    """A new booking from the day after this one ends; same seat and plan unless given."""

    fee_plan_id: uuid.UUID | None = None
    seat_id: uuid.UUID | None = Field(
        default=None, description="Another seat, when the current one is taken for the new period"
    )


class TransferRequest(WriteModel):
    """Move the rest of a booking (from today, or its first day) to another seat, shift or plan."""

    seat_id: uuid.UUID | None = None
    shift_id: uuid.UUID | None = None
    fee_plan_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _something_changes(self) -> TransferRequest:
        if self.seat_id is None and self.shift_id is None and self.fee_plan_id is None:
            raise ValueError("name the new seat_id, shift_id or fee_plan_id")
        return self


class PauseRequest(WriteModel):
    start_date: IsoDate = Field(description="First paused day (today or later)")
    days: Annotated[int, Field(ge=1, le=365)]
    reason: Reason | None = None


class BookingRead(BaseModel):
    id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID
    seat_id: uuid.UUID | None
    seat_label: str | None = Field(max_length=16)
    seat_type: SeatKind
    seat_assignment: SeatAssignment
    shift_id: uuid.UUID | None
    fee_plan_id: uuid.UUID
    window_start: LocalTime
    window_end: WindowEnd
    crosses_midnight: bool
    start_date: date
    end_date: date
    status: BookingStatusName = Field(
        description="A pending booking whose hold ran out reads as expired at once"
    )
    hold_expires_at: datetime | None
    confirmed_at: datetime | None
    payment_id: uuid.UUID | None
    activated_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None = Field(max_length=500)
    expired_at: datetime | None
    price_paise: Paise
    registration_fee_paise: Paise
    security_deposit_paise: Paise
    gst_rate_bps: int = Field(ge=0, le=10_000)
    price_includes_tax: bool
    taxable_paise: Paise
    gst_paise: Paise
    total_paise: Paise = Field(description="What the student owes for this booking")
    currency: Literal["INR"] = "INR"
    renewed_from_id: uuid.UUID | None
    waitlist_entry_id: uuid.UUID | None
    paused_days: int = Field(ge=0)
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, booking: Booking, now: datetime) -> BookingRead:
        window = DailyWindow(booking.window_start, booking.window_end)
        return cls(
            id=booking.id,
            student_id=booking.student_id,
            library_id=booking.library_id,
            seat_id=booking.seat_id,
            seat_label=booking.seat_label,
            seat_type=booking.seat_type,
            seat_assignment=booking.seat_assignment,
            shift_id=booking.shift_id,
            fee_plan_id=booking.fee_plan_id,
            window_start=hhmm(window.start),
            window_end="24:00" if window.end == MINUTES_PER_DAY else hhmm(window.end),
            crosses_midnight=window.crosses_midnight,
            start_date=booking.start_date,
            end_date=booking.end_date,
            status=effective_status(booking, now),
            hold_expires_at=booking.hold_expires_at,
            confirmed_at=booking.confirmed_at,
            payment_id=booking.payment_id,
            activated_at=booking.activated_at,
            completed_at=booking.completed_at,
            cancelled_at=booking.cancelled_at,
            cancel_reason=booking.cancel_reason,
            expired_at=booking.expired_at or _lapsed_at(booking, now),
            price_paise=booking.price_paise,
            registration_fee_paise=booking.registration_fee_paise,
            security_deposit_paise=booking.security_deposit_paise,
            gst_rate_bps=booking.gst_rate_bps,
            price_includes_tax=booking.price_includes_tax,
            taxable_paise=booking.taxable_paise,
            gst_paise=booking.gst_paise,
            total_paise=booking.total_paise,
            renewed_from_id=booking.renewed_from_id,
            waitlist_entry_id=booking.waitlist_entry_id,
            paused_days=booking.paused_days,
            created_at=booking.created_at,
            updated_at=booking.updated_at,
        )


def _lapsed_at(booking: Booking, now: datetime) -> datetime | None:
    if effective_status(booking, now) == "expired" and booking.status != BookingStatus.expired:
        return booking.hold_expires_at
    return None


def effective_status(booking: Booking, now: datetime) -> BookingStatusName:
    """The stored status, except that a pending hold past its expiry is already expired."""
    if (
        booking.status == BookingStatus.pending_payment
        and booking.hold_expires_at is not None
        and booking.hold_expires_at <= now
    ):
        return "expired"
    return booking.status  # type: ignore[return-value]


class TransferResult(BaseModel):
    booking: BookingRead
    effective_date: date
    price_difference_paise: SignedPaise = Field(
        description="Incl. GST. Positive: the student owes this; negative: a credit"
    )
    currency: Literal["INR"] = "INR"
