"""subscription service: the day a paid invoice's money arrived (India), which a platform
admin recording a bank transfer may give (a transfer seen days later)

Revision ID: core_subscription_0008
Revises: core_subscription_0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_subscription_0008"
down_revision: str | Sequence[str] | None = "core_subscription_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for invoices paid before this version: their `paid_at` is all that is known.
    with op.batch_alter_table("subscription_invoices") as batch:
        batch.add_column(sa.Column("payment_received_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscription_invoices") as batch:
        batch.drop_column("payment_received_on")
