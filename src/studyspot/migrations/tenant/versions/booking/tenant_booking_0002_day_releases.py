"""booking service: days a booking gave its place back (a no-show), the booking unchanged

Revision ID: tenant_booking_0002
Revises: tenant_booking_0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_booking_0002"
down_revision: str | Sequence[str] | None = "tenant_booking_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "booking_day_releases",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "booking_id",
            sa.Uuid(),
            sa.ForeignKey(
                "bookings.id",
                ondelete="CASCADE",
                name="fk_booking_day_releases_booking_id_bookings",
            ),
            nullable=False,
        ),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("booking_id", "day", name="uq_booking_day_releases_booking_id_day"),
    )
    op.create_index("ix_booking_day_releases_tenant_id", "booking_day_releases", ["tenant_id"])
    op.create_index(
        "ix_booking_day_releases_library_id_day", "booking_day_releases", ["library_id", "day"]
    )
    enable_tenant_rls("booking_day_releases")


def downgrade() -> None:
    disable_tenant_rls("booking_day_releases")
    op.drop_table("booking_day_releases")
