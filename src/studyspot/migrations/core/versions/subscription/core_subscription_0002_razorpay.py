"""subscription service: Razorpay Subscriptions (provider plans, charges, webhook ledger)

Revision ID: core_subscription_0002
Revises: core_subscription_0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_subscription_0002"
down_revision: str | Sequence[str] | None = "core_subscription_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("provider_subscription_id", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("dunning_notices_sent", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_unique_constraint(
            "uq_subscriptions_provider_subscription_id", ["provider_subscription_id"]
        )
    op.create_table(
        "subscription_provider_plans",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("billing_cycle", sa.String(16), nullable=False),
        sa.Column("provider_plan_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "billing_cycle"),
    )
    op.create_table(
        "subscription_charges",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("provider_payment_id", sa.String(64), nullable=False),
        sa.Column("amount_paise", sa.Integer(), nullable=False),
        sa.Column("plan_code", sa.String(32), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=False),
        sa.Column("period_end", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "provider", "provider_payment_id", name="uq_subscription_charges_provider_payment"
        ),
    )
    op.create_index("ix_subscription_charges_tenant_id", "subscription_charges", ["tenant_id"])
    op.create_table(
        "subscription_webhook_events",
        sa.Column("event_key", sa.String(160), primary_key=True),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("provider_subscription_id", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("subscription_webhook_events")
    op.drop_index("ix_subscription_charges_tenant_id", "subscription_charges")
    op.drop_table("subscription_charges")
    op.drop_table("subscription_provider_plans")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_constraint("uq_subscriptions_provider_subscription_id", type_="unique")
        batch.drop_column("dunning_notices_sent")
        batch.drop_column("provider_subscription_id")
