"""booking service: bookings, their pauses and transfers, the waitlist

Revision ID: tenant_booking_0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_booking_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("tenant_booking",)
depends_on: str | Sequence[str] | None = ("tenant_kit_0002",)

_TABLES = ("bookings", "booking_pauses", "booking_transfers", "waitlist_entries")

_INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_bookings_tenant_id": ("bookings", ["tenant_id"]),
    "ix_bookings_library_id_end_date": ("bookings", ["library_id", "end_date"]),
    "ix_bookings_seat_id_end_date": ("bookings", ["seat_id", "end_date"]),
    "ix_bookings_tenant_id_student_id_start_date": (
        "bookings",
        ["tenant_id", "student_id", "start_date"],
    ),
    "ix_bookings_tenant_id_created_at": ("bookings", ["tenant_id", "created_at"]),
    "ix_bookings_tenant_id_status_hold_expires_at": (
        "bookings",
        ["tenant_id", "status", "hold_expires_at"],
    ),
    "ix_bookings_tenant_id_status_start_date": ("bookings", ["tenant_id", "status", "start_date"]),
    "ix_bookings_tenant_id_status_end_date": ("bookings", ["tenant_id", "status", "end_date"]),
    "ix_bookings_renewed_from_id": ("bookings", ["renewed_from_id"]),
    "ix_booking_pauses_tenant_id": ("booking_pauses", ["tenant_id"]),
    "ix_booking_pauses_booking_id": ("booking_pauses", ["booking_id"]),
    "ix_booking_transfers_tenant_id": ("booking_transfers", ["tenant_id"]),
    "ix_booking_transfers_booking_id": ("booking_transfers", ["booking_id"]),
    "ix_waitlist_entries_tenant_id": ("waitlist_entries", ["tenant_id"]),
    "ix_waitlist_entries_tenant_id_status_created_at": (
        "waitlist_entries",
        ["tenant_id", "status", "created_at"],
    ),
    "ix_waitlist_entries_library_id_status": ("waitlist_entries", ["library_id", "status"]),
}

_SEAT_TYPES = "'standard', 'ac', 'cabin', 'laptop_friendly', 'any'"


def _window_checks(prefix: str = "window") -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint(
            f"{prefix}_start >= 0 AND {prefix}_start < 1440 AND {prefix}_end >= 0 "
            f"AND {prefix}_end <= 1440 AND {prefix}_start <> {prefix}_end",
            name=f"{prefix}_minutes",
        )
    ]


def _money_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("price_paise", sa.BigInteger(), nullable=False),
        sa.Column("registration_fee_paise", sa.BigInteger(), nullable=False),
        sa.Column("security_deposit_paise", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("seat_id", sa.Uuid(), nullable=True),
        sa.Column("seat_label", sa.String(16), nullable=True),
        sa.Column("seat_type", sa.String(20), nullable=False),
        sa.Column("seat_assignment", sa.String(10), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("fee_plan_id", sa.Uuid(), nullable=False),
        sa.Column("window_start", sa.Integer(), nullable=False),
        sa.Column("window_end", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("hold_expires_at", UTCDateTime(), nullable=True),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("activated_at", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("cancel_reason", sa.String(500), nullable=True),
        sa.Column("expired_at", UTCDateTime(), nullable=True),
        *_money_columns(),
        sa.Column("gst_rate_bps", sa.Integer(), nullable=False),
        sa.Column("price_includes_tax", sa.Boolean(), nullable=False),
        sa.Column("taxable_paise", sa.BigInteger(), nullable=False),
        sa.Column("gst_paise", sa.BigInteger(), nullable=False),
        sa.Column("total_paise", sa.BigInteger(), nullable=False),
        sa.Column("max_pause_days", sa.Integer(), nullable=False),
        sa.Column("max_pauses_per_year", sa.Integer(), nullable=False),
        sa.Column("keep_seat_on_pause", sa.Boolean(), nullable=False),
        sa.Column("renewed_from_id", sa.Uuid(), nullable=True),
        sa.Column("waitlist_entry_id", sa.Uuid(), nullable=True),
        sa.Column("renewal_notified_at", UTCDateTime(), nullable=True),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.Column("releases_seat_on_pause", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_by_type", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending_payment', 'confirmed', 'active', 'completed', 'cancelled', "
            "'expired')",
            name="status",
        ),
        sa.CheckConstraint("seat_assignment IN ('reserved', 'floating')", name="seat_assignment"),
        sa.CheckConstraint(f"seat_type IN ({_SEAT_TYPES})", name="seat_type"),
        sa.CheckConstraint(
            "(seat_assignment = 'reserved') = (seat_id IS NOT NULL)", name="seat_for_reserved"
        ),
        sa.CheckConstraint("end_date >= start_date", name="dates"),
        sa.CheckConstraint(
            "price_paise >= 0 AND registration_fee_paise >= 0 AND security_deposit_paise >= 0 "
            "AND taxable_paise >= 0 AND gst_paise >= 0 AND total_paise >= 0 AND gst_rate_bps >= 0",
            name="amounts",
        ),
        sa.CheckConstraint(
            "status <> 'pending_payment' OR hold_expires_at IS NOT NULL", name="hold_expiry"
        ),
        *_window_checks(),
    )
    op.create_table(
        "booking_pauses",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "booking_id",
            sa.Uuid(),
            sa.ForeignKey("bookings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("releases_seat", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("days > 0 AND end_date >= start_date", name="days"),
    )
    op.create_table(
        "booking_transfers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "booking_id",
            sa.Uuid(),
            sa.ForeignKey("bookings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("from_seat_id", sa.Uuid(), nullable=True),
        sa.Column("to_seat_id", sa.Uuid(), nullable=True),
        sa.Column("from_shift_id", sa.Uuid(), nullable=True),
        sa.Column("to_shift_id", sa.Uuid(), nullable=True),
        sa.Column("from_fee_plan_id", sa.Uuid(), nullable=False),
        sa.Column("to_fee_plan_id", sa.Uuid(), nullable=False),
        sa.Column("from_window_start", sa.Integer(), nullable=False),
        sa.Column("from_window_end", sa.Integer(), nullable=False),
        sa.Column("to_window_start", sa.Integer(), nullable=False),
        sa.Column("to_window_end", sa.Integer(), nullable=False),
        sa.Column("price_difference_paise", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("fee_plan_id", sa.Uuid(), nullable=False),
        sa.Column("seat_assignment", sa.String(10), nullable=False),
        sa.Column("seat_type", sa.String(20), nullable=False),
        sa.Column("window_start", sa.Integer(), nullable=False),
        sa.Column("window_end", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("duration_unit", sa.String(8), nullable=False),
        sa.Column("duration_value", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        *_money_columns(),
        sa.Column("gst_rate_percent", sa.Integer(), nullable=False),
        sa.Column("price_includes_tax", sa.Boolean(), nullable=False),
        sa.Column("allow_overlapping_bookings", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("offer_booking_id", sa.Uuid(), nullable=True),
        sa.Column("offered_at", UTCDateTime(), nullable=True),
        sa.Column("offer_expires_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'booked', 'lapsed', 'declined', 'cancelled', "
            "'closed')",
            name="status",
        ),
        sa.CheckConstraint(f"seat_type IN ({_SEAT_TYPES})", name="seat_type"),
        *_window_checks(),
    )
    for name, (table, columns) in _INDEXES.items():
        op.create_index(name, table, columns)
    for table in _TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(_TABLES):
        disable_tenant_rls(table)
    for name, (table, _) in reversed(list(_INDEXES.items())):
        op.drop_index(name, table)
    for table in reversed(_TABLES):
        op.drop_table(table)
