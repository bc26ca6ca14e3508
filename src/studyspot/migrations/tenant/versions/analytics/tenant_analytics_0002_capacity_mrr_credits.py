"""analytics service: capacity history, MRR and message credits read models

Revision ID: tenant_analytics_0002
Revises: tenant_analytics_0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_analytics_0002"
down_revision: str | Sequence[str] | None = "tenant_analytics_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("analytics_capacity", "analytics_mrr", "analytics_credits")


def upgrade() -> None:
    op.create_table(
        "analytics_capacity",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("active_seats", sa.Integer(), nullable=False),
        sa.Column("shift_ids", sa.JSON(), nullable=False),
    )
    op.create_index("ix_analytics_capacity_tenant_id", "analytics_capacity", ["tenant_id"])
    op.create_index(
        "ix_analytics_capacity_tenant_id_library_id_at",
        "analytics_capacity",
        ["tenant_id", "library_id", "at"],
    )
    op.create_table(
        "analytics_mrr",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("mrr_paise", sa.Integer(), nullable=False),
    )
    op.create_index("ix_analytics_mrr_tenant_id", "analytics_mrr", ["tenant_id"])
    op.create_index("ix_analytics_mrr_tenant_id_at", "analytics_mrr", ["tenant_id", "at"])
    op.create_table(
        "analytics_credits",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
    )
    op.create_index("ix_analytics_credits_tenant_id", "analytics_credits", ["tenant_id"])
    op.create_index(
        "ix_analytics_credits_tenant_id_month", "analytics_credits", ["tenant_id", "month"]
    )
    for table in _TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(_TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
