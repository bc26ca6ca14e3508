"""analytics service: event log and read models (bookings, money, check-ins, no-shows)

Revision ID: tenant_analytics_0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_analytics_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("tenant_analytics",)
depends_on: str | Sequence[str] | None = ("tenant_kit_0001",)

_TABLES = (
    "analytics_events",
    "analytics_bookings",
    "analytics_money",
    "analytics_checkins",
    "analytics_no_shows",
)


def upgrade() -> None:
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_analytics_events_tenant_id", "analytics_events", ["tenant_id"])
    op.create_index(
        "ix_analytics_events_tenant_id_subject_id", "analytics_events", ["tenant_id", "subject_id"]
    )
    op.create_index(
        "ix_analytics_events_tenant_id_occurred_at",
        "analytics_events",
        ["tenant_id", "occurred_at"],
    )
    op.create_table(
        "analytics_bookings",
        sa.Column("booking_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=True),
        sa.Column("student_id", sa.Uuid(), nullable=True),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("charged_paise", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("renewed_from_id", sa.Uuid(), nullable=True),
    )
    op.create_index("ix_analytics_bookings_tenant_id", "analytics_bookings", ["tenant_id"])
    op.create_index(
        "ix_analytics_bookings_tenant_id_library_id",
        "analytics_bookings",
        ["tenant_id", "library_id"],
    )
    op.create_index(
        "ix_analytics_bookings_tenant_id_renewed_from_id",
        "analytics_bookings",
        ["tenant_id", "renewed_from_id"],
    )
    op.create_table(
        "analytics_money",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("amount_paise", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_analytics_money_tenant_id", "analytics_money", ["tenant_id"])
    op.create_index(
        "ix_analytics_money_tenant_id_booking_id", "analytics_money", ["tenant_id", "booking_id"]
    )
    op.create_table(
        "analytics_checkins",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("checked_in_at", UTCDateTime(), nullable=False),
        sa.Column("source_at", UTCDateTime(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
    )
    op.create_index("ix_analytics_checkins_tenant_id", "analytics_checkins", ["tenant_id"])
    op.create_index(
        "ix_analytics_checkins_tenant_id_library_id_day",
        "analytics_checkins",
        ["tenant_id", "library_id", "day"],
    )
    op.create_table(
        "analytics_no_shows",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
    )
    op.create_index("ix_analytics_no_shows_tenant_id", "analytics_no_shows", ["tenant_id"])
    op.create_index(
        "ix_analytics_no_shows_tenant_id_library_id_day",
        "analytics_no_shows",
        ["tenant_id", "library_id", "day"],
    )
    for table in _TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(_TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
