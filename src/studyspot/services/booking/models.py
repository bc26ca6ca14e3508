"""Tables the booking service owns in the tenant database.

A booking keeps a snapshot of what was sold (seat label and type, the daily
window in minutes, the library's time zone, the price lines), so that the
conflict rule and the money never depend on a later edit in the library
service.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from studyspot.kit.models import IdMixin, TenantBase, TenantMixin, TimestampMixin, UTCDateTime


class BookingStatus(StrEnum):
    pending_payment = "pending_payment"
    confirmed = "confirmed"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"
    expired = "expired"


# Statuses in which a booking holds its place (a pending one only until its hold expires).
HOLDING = (BookingStatus.confirmed, BookingStatus.active)
LIVE = (BookingStatus.pending_payment, BookingStatus.confirmed, BookingStatus.active)


class WaitlistStatus(StrEnum):
    waiting = "waiting"
    offered = "offered"
    booked = "booked"
    lapsed = "lapsed"
    declined = "declined"
    cancelled = "cancelled"
    closed = "closed"


class Booking(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_library_id_end_date", "library_id", "end_date"),
        Index("ix_bookings_seat_id_end_date", "seat_id", "end_date"),
        Index(
            "ix_bookings_tenant_id_student_id_start_date", "tenant_id", "student_id", "start_date"
        ),
        Index("ix_bookings_tenant_id_created_at", "tenant_id", "created_at"),
        Index(
            "ix_bookings_tenant_id_status_hold_expires_at", "tenant_id", "status", "hold_expires_at"
        ),
        Index("ix_bookings_tenant_id_status_start_date", "tenant_id", "status", "start_date"),
        Index("ix_bookings_tenant_id_status_end_date", "tenant_id", "status", "end_date"),
        Index("ix_bookings_renewed_from_id", "renewed_from_id"),
    )

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    # NULL for a floating place (any free seat of the plan's kind).
    seat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seat_label: Mapped[str | None] = mapped_column(String(16))
    seat_type: Mapped[str] = mapped_column(String(20), nullable=False)
    seat_assignment: Mapped[str] = mapped_column(String(10), nullable=False)
    # NULL for a full-day plan booked without naming a shift.
    shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    fee_plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    # Local minutes after midnight; end <= start crosses midnight; 0-1440 is the full day.
    window_start: Mapped[int] = mapped_column(Integer, nullable=False)
    window_end: Mapped[int] = mapped_column(Integer, nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)

    status: Mapped[str] = mapped_column(String(20), nullable=False)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    price_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    registration_fee_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    security_deposit_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    gst_rate_bps: Mapped[int] = mapped_column(Integer, nullable=False)
    price_includes_tax: Mapped[bool] = mapped_column(Boolean, nullable=False)
    taxable_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    gst_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    total_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)

    # The plan's pause rules as sold: a later edit of the plan does not change this booking.
    max_pause_days: Mapped[int] = mapped_column(Integer, nullable=False)
    max_pauses_per_year: Mapped[int] = mapped_column(Integer, nullable=False)
    keep_seat_on_pause: Mapped[bool] = mapped_column(Boolean, nullable=False)

    renewed_from_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    waitlist_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    renewal_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Some pause gave the seat back: the conflict rule must read the pauses.
    releases_seat_on_pause: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by_type: Mapped[str | None] = mapped_column(String(32))


class BookingPause(IdMixin, TenantMixin, TenantBase):
    """A freeze: the booking's end moved by `days`; the seat kept or given back meanwhile."""

    __tablename__ = "booking_pauses"
    __table_args__ = (Index("ix_booking_pauses_booking_id", "booking_id"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False
    )
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    releases_seat: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class BookingTransfer(IdMixin, TenantMixin, TenantBase):
    """A change of seat, shift or plan for the rest of a booking, with the price difference."""

    __tablename__ = "booking_transfers"
    __table_args__ = (Index("ix_booking_transfers_booking_id", "booking_id"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False
    )
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    from_seat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    to_seat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    from_shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    to_shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    from_fee_plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    to_fee_plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    from_window_start: Mapped[int] = mapped_column(Integer, nullable=False)
    from_window_end: Mapped[int] = mapped_column(Integer, nullable=False)
    to_window_start: Mapped[int] = mapped_column(Integer, nullable=False)
    to_window_end: Mapped[int] = mapped_column(Integer, nullable=False)
    # Positive: the student owes this much more; negative: a credit. Incl. GST.
    price_difference_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class WaitlistEntry(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    """A student waiting for a place; offered a held booking when one frees up."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        Index(
            "ix_waitlist_entries_tenant_id_status_created_at", "tenant_id", "status", "created_at"
        ),
        Index("ix_waitlist_entries_library_id_status", "library_id", "status"),
    )

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    fee_plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    seat_assignment: Mapped[str] = mapped_column(String(10), nullable=False)
    seat_type: Mapped[str] = mapped_column(String(20), nullable=False)
    window_start: Mapped[int] = mapped_column(Integer, nullable=False)
    window_end: Mapped[int] = mapped_column(Integer, nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    duration_unit: Mapped[str] = mapped_column(String(8), nullable=False)
    duration_value: Mapped[int] = mapped_column(Integer, nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    # The plan as quoted when the student joined: the offer is made on these terms.
    price_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    registration_fee_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    security_deposit_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    gst_rate_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    price_includes_tax: Mapped[bool] = mapped_column(Boolean, nullable=False)
    allow_overlapping_bookings: Mapped[bool] = mapped_column(Boolean, nullable=False)

    status: Mapped[str] = mapped_column(String(16), nullable=False)
    offer_booking_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class BookingDayRelease(IdMixin, TenantMixin, TenantBase):
    """One day a booking gave its place back without being changed: the student did not
    come by the shift's start plus grace (the attendance service's `attendance.no_show`).

    The booking keeps its dates, price and status; availability and occupancy count its
    place free for this one occurrence (the day it started), so it can be sold as a day pass.
    """

    __tablename__ = "booking_day_releases"
    __table_args__ = (
        UniqueConstraint("booking_id", "day"),
        Index("ix_booking_day_releases_library_id_day", "library_id", "day"),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False
    )
    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
    # The event that released it (at-least-once delivery: a redelivery finds this row).
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
