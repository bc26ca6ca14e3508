"""message service: credits bought from StudySpot through the platform's Razorpay account

Revision ID: tenant_message_0011
Revises: tenant_message_0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0011"
down_revision: str | Sequence[str] | None = "tenant_message_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_credit_purchases",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("amount_paise", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("provider_order_id", sa.String(64), nullable=False),
        sa.Column("provider_payment_id", sa.String(64), nullable=True),
        sa.Column("invoice_number", sa.String(32), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint(
            "provider_order_id", name="uq_message_credit_purchases_provider_order_id"
        ),
    )
    op.create_index(
        "ix_message_credit_purchases_tenant_id", "message_credit_purchases", ["tenant_id"]
    )
    op.create_index(
        "ix_message_credit_purchases_tenant_id_created_at",
        "message_credit_purchases",
        ["tenant_id", "created_at"],
    )
    enable_tenant_rls("message_credit_purchases")


def downgrade() -> None:
    disable_tenant_rls("message_credit_purchases")
    op.drop_table("message_credit_purchases")
