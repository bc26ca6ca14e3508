"""Read models the analytics service owns in the tenant database, fed only by events.

- `analytics_events`: every event applied, once per event id (the log `studyspot
  analytics rebuild` replays). `subject_id` is the booking, payment, attendance
  record or no-show the event is about.
- `analytics_bookings`: one row per booking, folded from all its booking events
  (whatever order they came in).
- `analytics_booking_segments`: a booking's history of places: one row per stretch of
  days it held one shift and seat (a transfer ends one and starts the next), refolded
  with the booking.
- `analytics_money`: one row per captured payment or processed refund.
- `analytics_checkins`: one row per attendance record (booking and occurrence day).
- `analytics_no_shows`: one row per released occurrence.
- `analytics_capacity`: a library's seats in service and shifts after each change
  (`library.capacity_changed`), so a past day counts the capacity it had.
- `analytics_mrr`: the tenant subscription's monthly recurring revenue after each
  `subscription.*` change.
- `analytics_credits`: the plan's monthly message credits counted (or given back) per
  `message.credits_counted`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from studyspot.kit.models import TenantBase, TenantMixin, UTCDateTime


class AnalyticsEvent(TenantMixin, TenantBase):
    __tablename__ = "analytics_events"
    __table_args__ = (
        Index("ix_analytics_events_tenant_id_subject_id", "tenant_id", "subject_id"),
        Index("ix_analytics_events_tenant_id_occurred_at", "tenant_id", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    topic: Mapped[str] = mapped_column(String(128), nullable=False)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class AnalyticsBooking(TenantMixin, TenantBase):
    __tablename__ = "analytics_bookings"
    __table_args__ = (
        Index("ix_analytics_bookings_tenant_id_library_id", "tenant_id", "library_id"),
        Index("ix_analytics_bookings_tenant_id_renewed_from_id", "tenant_id", "renewed_from_id"),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # Null until an event naming them arrived (a capture may come first).
    library_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    student_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    charged_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    # held, confirmed, cancelled or expired
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    renewed_from_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class AnalyticsBookingSegment(TenantMixin, TenantBase):
    __tablename__ = "analytics_booking_segments"
    __table_args__ = (
        Index("ix_analytics_booking_segments_tenant_id_booking_id", "tenant_id", "booking_id"),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # 0 for the place the booking was made with, then one more per transfer that took effect.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Null: no shift (a full-day plan) or no assigned seat.
    shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # Local days, both included: the segments of a booking cover its start to its end.
    from_date: Mapped[date] = mapped_column(Date, nullable=False)
    to_date: Mapped[date] = mapped_column(Date, nullable=False)


class AnalyticsMoney(TenantMixin, TenantBase):
    __tablename__ = "analytics_money"
    __table_args__ = (Index("ix_analytics_money_tenant_id_booking_id", "tenant_id", "booking_id"),)

    # The payment id (captured) or the refund id (refunded).
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # captured | refunded
    amount_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class AnalyticsCheckIn(TenantMixin, TenantBase):
    __tablename__ = "analytics_checkins"
    __table_args__ = (
        Index("ix_analytics_checkins_tenant_id_library_id_day", "tenant_id", "library_id", "day"),
    )

    # The attendance record's id.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # occurred_at of the event this row was taken from: a later event's copy wins.
    source_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    source_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class AnalyticsNoShow(TenantMixin, TenantBase):
    __tablename__ = "analytics_no_shows"
    __table_args__ = (
        Index("ix_analytics_no_shows_tenant_id_library_id_day", "tenant_id", "library_id", "day"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    day: Mapped[date] = mapped_column(Date, nullable=False)


class AnalyticsCapacity(TenantMixin, TenantBase):
    __tablename__ = "analytics_capacity"
    __table_args__ = (
        Index("ix_analytics_capacity_tenant_id_library_id_at", "tenant_id", "library_id", "at"),
    )

    # The event's id: one row per change, whichever order they came in.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    active_seats: Mapped[int] = mapped_column(Integer, nullable=False)
    shift_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False)


class AnalyticsMrr(TenantMixin, TenantBase):
    __tablename__ = "analytics_mrr"
    __table_args__ = (Index("ix_analytics_mrr_tenant_id_at", "tenant_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the event's id
    subscription_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    mrr_paise: Mapped[int] = mapped_column(Integer, nullable=False)


class AnalyticsCredits(TenantMixin, TenantBase):
    __tablename__ = "analytics_credits"
    __table_args__ = (Index("ix_analytics_credits_tenant_id_month", "tenant_id", "month"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the event's id
    month: Mapped[str] = mapped_column(String(7), nullable=False)  # India's, YYYY-MM
    credits: Mapped[int] = mapped_column(Integer, nullable=False)


PROJECTIONS = (
    AnalyticsBooking,
    AnalyticsBookingSegment,
    AnalyticsMoney,
    AnalyticsCheckIn,
    AnalyticsNoShow,
    AnalyticsCapacity,
    AnalyticsMrr,
    AnalyticsCredits,
)
