"""Tables the attendance service owns in the tenant database.

- `attendance_records`: one row per booking and occurrence (the day its shift started):
  when the student came in and left, how, and how long it stayed.
- `attendance_code_uses`: each code step a student has used, per purpose; the unique
  key is what refuses a replay, and what de-duplicates offline scans uploaded twice.
- `attendance_no_shows`: a booked occurrence nobody checked in to by start + grace; one
  per booking and day, so the job may run any number of times.
- `attendance_library_settings`: a library's check-in opening, grace and late rules.
- `attendance_display_devices`: the door tablets' credentials, one library each.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from studyspot.kit.models import IdMixin, TenantBase, TenantMixin, TimestampMixin, UTCDateTime

# How a check-in or check-out happened.
METHODS = ("door", "scan", "manual", "auto")


class AttendanceRecord(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    __tablename__ = "attendance_records"
    __table_args__ = (
        UniqueConstraint("booking_id", "day"),
        Index("ix_attendance_records_tenant_id_library_id_day", "tenant_id", "library_id", "day"),
        Index(
            "ix_attendance_records_tenant_id_student_id_checked_in_at",
            "tenant_id",
            "student_id",
            "checked_in_at",
        ),
        Index("ix_attendance_records_tenant_id_open_until", "tenant_id", "open_until"),
    )

    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seat_label: Mapped[str | None] = mapped_column(String(16))
    # Local date the occurrence started (a 22:00-06:00 shift checked into at 01:30 on the
    # 2nd is the 1st's).
    day: Mapped[date] = mapped_column(Date, nullable=False)
    shift_starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    shift_ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # First arrival (decides `late`); the current or last visit started at visit_started_at.
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    visit_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    check_in_method: Mapped[str] = mapped_column(String(8), nullable=False)
    late: Mapped[bool] = mapped_column(Boolean, nullable=False)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_out_method: Mapped[str | None] = mapped_column(String(8))
    # Minutes present in earlier visits of this occurrence (a check-in after a check-out).
    minutes_before: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Set while checked in: when the job checks the student out (shift end + grace).
    open_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    corrected: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class AttendanceCodeUse(TenantMixin, TenantBase):
    __tablename__ = "attendance_code_uses"

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # `in` / `out` (a door code), `scan` (the student's own code, scanned by staff).
    purpose: Mapped[str] = mapped_column(String(8), primary_key=True)
    step: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class AttendanceNoShow(IdMixin, TenantMixin, TenantBase):
    __tablename__ = "attendance_no_shows"
    __table_args__ = (
        UniqueConstraint("booking_id", "day"),
        Index("ix_attendance_no_shows_tenant_id_library_id_day", "tenant_id", "library_id", "day"),
        Index("ix_attendance_no_shows_tenant_id_student_id_day", "tenant_id", "student_id", "day"),
    )

    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    shift_starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class LibrarySettings(TenantMixin, TimestampMixin, TenantBase):
    __tablename__ = "attendance_library_settings"

    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    opens_before_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    no_show_grace_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    late_after_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    checkout_grace_minutes: Mapped[int] = mapped_column(Integer, nullable=False)


class DisplayDevice(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    __tablename__ = "attendance_display_devices"
    __table_args__ = (UniqueConstraint("token_hash"),)

    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    # SHA-256 of the secret: the secret itself is shown once, at creation.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
