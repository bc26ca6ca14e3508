"""Tables the library service owns in the tenant database.

Every table carries `tenant_id` (the tenant service finds tenant rows by that
column when it moves a tenant to its own database), and every one is behind
PostgreSQL row-level security.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from studyspot.kit.models import IdMixin, TenantBase, TenantMixin, TimestampMixin, UTCDateTime

NAME_MAX = 120
SEAT_LABEL_MAX = 16
SHIFT_NAME_MAX = 60


class Library(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    """A branch: one reading room with its own seats, shifts and staff."""

    __tablename__ = "libraries"
    __table_args__ = (
        Index("uq_libraries_tenant_id_name", "tenant_id", "name", unique=True),
        Index("ix_libraries_tenant_id_city", "tenant_id", "city"),
        Index("ix_libraries_tenant_id_created_at", "tenant_id", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    address: Mapped[str] = mapped_column(String(500), nullable=False)
    city: Mapped[str] = mapped_column(String(80), nullable=False)
    state: Mapped[str] = mapped_column(String(64), nullable=False)
    pincode: Mapped[str] = mapped_column(String(6), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    contact_phone: Mapped[str | None] = mapped_column(String(13))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # {"monday": [{"opens": "06:00", "closes": "22:00"}], ...}; NULL: not published.
    opening_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    amenities: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    gstin: Mapped[str | None] = mapped_column(String(15))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Seat(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    __tablename__ = "seats"
    __table_args__ = (
        Index("uq_seats_library_id_label", "library_id", "label", unique=True),
        # NULL positions never collide: seats without a place on the map are fine.
        Index(
            "uq_seats_library_id_position",
            "library_id",
            "position_row",
            "position_column",
            unique=True,
        ),
        Index("ix_seats_library_id_sort_key", "library_id", "sort_key"),
    )

    library_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False
    )
    label: Mapped[str] = mapped_column(String(SEAT_LABEL_MAX), nullable=False)
    # The label with its numbers zero-padded, so A2 sorts before A10.
    sort_key: Mapped[str] = mapped_column(String(64), nullable=False)
    zone: Mapped[str | None] = mapped_column(String(60))
    floor: Mapped[int | None] = mapped_column(Integer)
    seat_type: Mapped[str] = mapped_column(String(20), nullable=False, default="standard")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    row: Mapped[int | None] = mapped_column("position_row", Integer)
    column: Mapped[int | None] = mapped_column("position_column", Integer)


class Shift(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    """A named daily time window in the library's local time; may cross midnight."""

    __tablename__ = "shifts"
    __table_args__ = (Index("uq_shifts_library_id_name", "library_id", "name", unique=True),)

    library_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(SHIFT_NAME_MAX), nullable=False)
    # Local wall-clock "HH:MM"; start > end crosses midnight; a full day is 00:00-24:00.
    start_time: Mapped[str] = mapped_column(String(5), nullable=False)
    end_time: Mapped[str] = mapped_column(String(5), nullable=False)
    is_full_day: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class FeePlan(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    __tablename__ = "fee_plans"
    __table_args__ = (
        Index("ix_fee_plans_tenant_id_library_id", "tenant_id", "library_id"),
        Index("ix_fee_plans_tenant_id_created_at", "tenant_id", "created_at"),
    )

    # NULL: the plan is offered at every library of the tenant. No ON DELETE:
    # a library whose plans were used cannot disappear from under them.
    library_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("libraries.id"))
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    description: Mapped[str | None] = mapped_column(String(1000))
    duration_unit: Mapped[str] = mapped_column(String(8), nullable=False)
    duration_value: Mapped[int] = mapped_column(Integer, nullable=False)
    full_day: Mapped[bool] = mapped_column(Boolean, nullable=False)
    seat_type: Mapped[str] = mapped_column(String(20), nullable=False, default="any")
    seat_assignment: Mapped[str] = mapped_column(String(10), nullable=False, default="reserved")
    price_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    registration_fee_paise: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    security_deposit_paise: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    gst_rate_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    price_includes_tax: Mapped[bool] = mapped_column(Boolean, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    max_pause_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_pauses_per_year: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    allow_overlapping_bookings: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    keep_seat_on_pause: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # First time another service (booking, payment) sold this plan; from then on
    # it can be deactivated but never deleted.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class FeePlanShift(TenantMixin, TenantBase):
    """The shifts a fee plan covers. A shift covered by a plan cannot be deleted (RESTRICT)."""

    __tablename__ = "fee_plan_shifts"
    __table_args__ = (Index("ix_fee_plan_shifts_shift_id", "shift_id"),)

    fee_plan_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("fee_plans.id", ondelete="CASCADE"), primary_key=True
    )
    shift_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("shifts.id"), primary_key=True)


class LibraryStaff(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    """A manager or desk staff member; the login itself lives in the auth service."""

    __tablename__ = "library_staff"
    __table_args__ = (
        Index("uq_library_staff_tenant_id_email", "tenant_id", "email", unique=True),
        Index("uq_library_staff_tenant_id_phone", "tenant_id", "phone", unique=True),
        Index("ix_library_staff_tenant_id_name", "tenant_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(13))
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class StaffAssignment(TenantMixin, TenantBase):
    """Which branches a staff member works at (and so may see)."""

    __tablename__ = "library_staff_assignments"
    __table_args__ = (Index("ix_library_staff_assignments_library_id", "library_id"),)

    staff_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("library_staff.id", ondelete="CASCADE"), primary_key=True
    )
    library_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
