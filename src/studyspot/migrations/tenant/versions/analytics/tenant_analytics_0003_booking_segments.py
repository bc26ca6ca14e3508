"""analytics service: a booking's places over time (shift, seat, from-date, to-date)

Rows are written by the projection when a booking's events are refolded. Bookings
projected before this table existed have no segments until their next event or
`studyspot analytics rebuild`; until then the KPIs read such a booking as one segment
on its current shift (the attribution they had before).

Revision ID: tenant_analytics_0003
Revises: tenant_analytics_0002
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls

revision: str = "tenant_analytics_0003"
down_revision: str | Sequence[str] | None = "tenant_analytics_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "analytics_booking_segments"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("booking_id", sa.Uuid(), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("seat_id", sa.Uuid(), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
    )
    op.create_index("ix_analytics_booking_segments_tenant_id", _TABLE, ["tenant_id"])
    op.create_index(
        "ix_analytics_booking_segments_tenant_id_booking_id", _TABLE, ["tenant_id", "booking_id"]
    )
    enable_tenant_rls(_TABLE)


def downgrade() -> None:
    disable_tenant_rls(_TABLE)
    op.drop_table(_TABLE)
