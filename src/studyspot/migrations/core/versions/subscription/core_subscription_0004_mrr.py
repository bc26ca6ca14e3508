"""subscription service: MRR movements (new, expansion, contraction, churn, reactivation)

Revision ID: core_subscription_0004
Revises: core_subscription_0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_subscription_0004"
down_revision: str | Sequence[str] | None = "core_subscription_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("mrr_paise", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "subscription_mrr_movements",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("delta_paise", sa.Integer(), nullable=False),
        sa.Column("mrr_after_paise", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_subscription_mrr_movements_month", "subscription_mrr_movements", ["month"])


def downgrade() -> None:
    op.drop_index("ix_subscription_mrr_movements_month", "subscription_mrr_movements")
    op.drop_table("subscription_mrr_movements")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("mrr_paise")
