"""subscription service: the prorated amount of an upgrade, charged (Razorpay order or invoice)

Revision ID: core_subscription_0005
Revises: core_subscription_0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_subscription_0005"
down_revision: str | Sequence[str] | None = "core_subscription_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscription_upgrade_charges",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("from_plan", sa.String(32), nullable=False),
        sa.Column("to_plan", sa.String(32), nullable=False),
        sa.Column("amount_paise", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_order_id", sa.String(64), nullable=True),
        sa.Column("provider_payment_id", sa.String(64), nullable=True),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("provider_order_id", name="uq_subscription_upgrade_charges_order"),
        sa.UniqueConstraint("provider_payment_id", name="uq_subscription_upgrade_charges_payment"),
    )
    op.create_index(
        "ix_subscription_upgrade_charges_tenant_id", "subscription_upgrade_charges", ["tenant_id"]
    )


def downgrade() -> None:
    op.drop_table("subscription_upgrade_charges")
