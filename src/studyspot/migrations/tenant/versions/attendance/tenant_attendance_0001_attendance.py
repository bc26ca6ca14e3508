"""attendance service: records, code uses, no-shows, library settings, display devices

Revision ID: tenant_attendance_0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_attendance_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("tenant_attendance",)
depends_on: str | Sequence[str] | None = ("tenant_kit_0001",)

_TABLES = (
    "attendance_records",
    "attendance_code_uses",
    "attendance_no_shows",
    "attendance_library_settings",
    "attendance_display_devices",
)


def upgrade() -> None:
    op.create_table(
        "attendance_records",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("seat_id", sa.Uuid(), nullable=True),
        sa.Column("seat_label", sa.String(16), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_starts_at", UTCDateTime(), nullable=False),
        sa.Column("shift_ends_at", UTCDateTime(), nullable=False),
        sa.Column("checked_in_at", UTCDateTime(), nullable=False),
        sa.Column("visit_started_at", UTCDateTime(), nullable=False),
        sa.Column("check_in_method", sa.String(8), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("checked_out_at", UTCDateTime(), nullable=True),
        sa.Column("check_out_method", sa.String(8), nullable=True),
        sa.Column("minutes_before", sa.Integer(), nullable=False),
        sa.Column("open_until", UTCDateTime(), nullable=True),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("booking_id", "day", name="uq_attendance_records_booking_id_day"),
    )
    op.create_index("ix_attendance_records_tenant_id", "attendance_records", ["tenant_id"])
    op.create_index(
        "ix_attendance_records_tenant_id_library_id_day",
        "attendance_records",
        ["tenant_id", "library_id", "day"],
    )
    op.create_index(
        "ix_attendance_records_tenant_id_student_id_checked_in_at",
        "attendance_records",
        ["tenant_id", "student_id", "checked_in_at"],
    )
    op.create_index(
        "ix_attendance_records_tenant_id_open_until",
        "attendance_records",
        ["tenant_id", "open_until"],
    )
    op.create_table(
        "attendance_code_uses",
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("student_id", sa.Uuid(), primary_key=True),
        sa.Column("purpose", sa.String(8), primary_key=True),
        sa.Column("step", sa.BigInteger(), primary_key=True),
        sa.Column("used_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_attendance_code_uses_tenant_id", "attendance_code_uses", ["tenant_id"])
    op.create_table(
        "attendance_no_shows",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("seat_id", sa.Uuid(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_starts_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("booking_id", "day", name="uq_attendance_no_shows_booking_id_day"),
    )
    op.create_index("ix_attendance_no_shows_tenant_id", "attendance_no_shows", ["tenant_id"])
    op.create_index(
        "ix_attendance_no_shows_tenant_id_library_id_day",
        "attendance_no_shows",
        ["tenant_id", "library_id", "day"],
    )
    op.create_index(
        "ix_attendance_no_shows_tenant_id_student_id_day",
        "attendance_no_shows",
        ["tenant_id", "student_id", "day"],
    )
    op.create_table(
        "attendance_library_settings",
        sa.Column("library_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("opens_before_minutes", sa.Integer(), nullable=False),
        sa.Column("no_show_grace_minutes", sa.Integer(), nullable=False),
        sa.Column("late_after_minutes", sa.Integer(), nullable=False),
        sa.Column("checkout_grace_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_attendance_library_settings_tenant_id", "attendance_library_settings", ["tenant_id"]
    )
    op.create_table(
        "attendance_display_devices",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_attendance_display_devices_token_hash"),
    )
    op.create_index(
        "ix_attendance_display_devices_tenant_id", "attendance_display_devices", ["tenant_id"]
    )
    for table in _TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(_TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
