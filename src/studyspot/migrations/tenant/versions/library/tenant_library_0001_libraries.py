"""library service: libraries, seats, shifts, fee plans, library staff and their branches

Revision ID: tenant_library_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_library_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("tenant_library",)
depends_on: str | Sequence[str] | None = ("tenant_kit_0001",)

# Parents first; downgrade drops in reverse.
_TABLES = (
    "libraries",
    "seats",
    "shifts",
    "fee_plans",
    "fee_plan_shifts",
    "library_staff",
    "library_staff_assignments",
)

_INDEXES: dict[str, tuple[str, list[str], bool]] = {
    "ix_libraries_tenant_id": ("libraries", ["tenant_id"], False),
    "uq_libraries_tenant_id_name": ("libraries", ["tenant_id", "name"], True),
    "ix_libraries_tenant_id_city": ("libraries", ["tenant_id", "city"], False),
    "ix_libraries_tenant_id_created_at": ("libraries", ["tenant_id", "created_at"], False),
    "ix_seats_tenant_id": ("seats", ["tenant_id"], False),
    "uq_seats_library_id_label": ("seats", ["library_id", "label"], True),
    "uq_seats_library_id_position": (
        "seats",
        ["library_id", "position_row", "position_column"],
        True,
    ),
    "ix_seats_library_id_sort_key": ("seats", ["library_id", "sort_key"], False),
    "ix_shifts_tenant_id": ("shifts", ["tenant_id"], False),
    "uq_shifts_library_id_name": ("shifts", ["library_id", "name"], True),
    "ix_fee_plans_tenant_id": ("fee_plans", ["tenant_id"], False),
    "ix_fee_plans_tenant_id_library_id": ("fee_plans", ["tenant_id", "library_id"], False),
    "ix_fee_plans_tenant_id_created_at": ("fee_plans", ["tenant_id", "created_at"], False),
    "ix_fee_plan_shifts_tenant_id": ("fee_plan_shifts", ["tenant_id"], False),
    "ix_fee_plan_shifts_shift_id": ("fee_plan_shifts", ["shift_id"], False),
    "ix_library_staff_tenant_id": ("library_staff", ["tenant_id"], False),
    "uq_library_staff_tenant_id_email": ("library_staff", ["tenant_id", "email"], True),
    "uq_library_staff_tenant_id_phone": ("library_staff", ["tenant_id", "phone"], True),
    "ix_library_staff_tenant_id_name": ("library_staff", ["tenant_id", "name"], False),
    "ix_library_staff_assignments_tenant_id": (
        "library_staff_assignments",
        ["tenant_id"],
        False,
    ),
    "ix_library_staff_assignments_library_id": (
        "library_staff_assignments",
        ["library_id"],
        False,
    ),
}


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "libraries",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("city", sa.String(80), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("pincode", sa.String(6), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("contact_phone", sa.String(13), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("opening_hours", sa.JSON(), nullable=True),
        sa.Column("amenities", sa.JSON(), nullable=False),
        sa.Column("gstin", sa.String(15), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("status IN ('active', 'closed')", name="status"),
    )
    op.create_table(
        "seats",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "library_id",
            sa.Uuid(),
            sa.ForeignKey("libraries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("sort_key", sa.String(64), nullable=False),
        sa.Column("zone", sa.String(60), nullable=True),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("seat_type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("position_row", sa.Integer(), nullable=True),
        sa.Column("position_column", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "seat_type IN ('standard', 'ac', 'cabin', 'laptop_friendly')", name="seat_type"
        ),
        sa.CheckConstraint("status IN ('active', 'maintenance')", name="status"),
    )
    op.create_table(
        "shifts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "library_id",
            sa.Uuid(),
            sa.ForeignKey("libraries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("start_time", sa.String(5), nullable=False),
        sa.Column("end_time", sa.String(5), nullable=False),
        sa.Column("is_full_day", sa.Boolean(), nullable=False),
        *_timestamps(),
    )
    op.create_table(
        "fee_plans",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), sa.ForeignKey("libraries.id"), nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("duration_unit", sa.String(8), nullable=False),
        sa.Column("duration_value", sa.Integer(), nullable=False),
        sa.Column("full_day", sa.Boolean(), nullable=False),
        sa.Column("seat_type", sa.String(20), nullable=False),
        sa.Column("seat_assignment", sa.String(10), nullable=False),
        sa.Column("price_paise", sa.BigInteger(), nullable=False),
        sa.Column("registration_fee_paise", sa.BigInteger(), nullable=False),
        sa.Column("security_deposit_paise", sa.BigInteger(), nullable=False),
        sa.Column("gst_rate_percent", sa.Integer(), nullable=False),
        sa.Column("price_includes_tax", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("max_pause_days", sa.Integer(), nullable=False),
        sa.Column("max_pauses_per_year", sa.Integer(), nullable=False),
        sa.Column("allow_overlapping_bookings", sa.Boolean(), nullable=False),
        sa.Column("keep_seat_on_pause", sa.Boolean(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("duration_unit IN ('hour', 'day', 'month')", name="duration_unit"),
        sa.CheckConstraint("duration_value > 0", name="duration_value"),
        sa.CheckConstraint(
            "seat_type IN ('any', 'standard', 'ac', 'cabin', 'laptop_friendly')",
            name="seat_type",
        ),
        sa.CheckConstraint("seat_assignment IN ('reserved', 'floating')", name="seat_assignment"),
        sa.CheckConstraint(
            "price_paise >= 0 AND registration_fee_paise >= 0 AND security_deposit_paise >= 0",
            name="amounts",
        ),
        sa.CheckConstraint("gst_rate_percent IN (0, 5, 12, 18, 28)", name="gst_rate_percent"),
    )
    op.create_table(
        "fee_plan_shifts",
        sa.Column(
            "fee_plan_id",
            sa.Uuid(),
            sa.ForeignKey("fee_plans.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("shift_id", sa.Uuid(), sa.ForeignKey("shifts.id"), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
    )
    op.create_table(
        "library_staff",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(13), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("invited_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("role IN ('manager', 'staff')", name="role"),
        sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="login_name"),
    )
    op.create_table(
        "library_staff_assignments",
        sa.Column(
            "staff_id",
            sa.Uuid(),
            sa.ForeignKey("library_staff.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "library_id",
            sa.Uuid(),
            sa.ForeignKey("libraries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
    )
    for name, (table, columns, unique) in _INDEXES.items():
        op.create_index(name, table, columns, unique=unique)
    for table in _TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(_TABLES):
        disable_tenant_rls(table)
    for name, (table, _, _) in reversed(list(_INDEXES.items())):
        op.drop_index(name, table)
    for table in reversed(_TABLES):
        op.drop_table(table)
