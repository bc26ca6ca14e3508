"""subscription service: platform GST invoices, numbered gaplessly per financial year

Revision ID: core_subscription_0003
Revises: core_subscription_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_subscription_0003"
down_revision: str | Sequence[str] | None = "core_subscription_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("billing_name", sa.String(120), nullable=True))
        batch.add_column(sa.Column("billing_gstin", sa.String(15), nullable=True))
        batch.add_column(sa.Column("billing_state_code", sa.String(2), nullable=True))
    op.create_table(
        "subscription_invoice_counters",
        sa.Column("financial_year", sa.String(7), primary_key=True),
        sa.Column("last_number", sa.Integer(), nullable=False),
    )
    op.create_table(
        "subscription_invoices",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("financial_year", sa.String(7), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("invoice_number", sa.String(32), nullable=False),
        sa.Column("plan_code", sa.String(32), nullable=False),
        sa.Column("billing_cycle", sa.String(16), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=False),
        sa.Column("period_end", UTCDateTime(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("supplier_gstin", sa.String(15), nullable=False),
        sa.Column("recipient_name", sa.String(120), nullable=True),
        sa.Column("recipient_gstin", sa.String(15), nullable=True),
        sa.Column("place_of_supply", sa.String(2), nullable=False),
        sa.Column("taxable_paise", sa.Integer(), nullable=False),
        sa.Column("cgst_paise", sa.Integer(), nullable=False),
        sa.Column("sgst_paise", sa.Integer(), nullable=False),
        sa.Column("igst_paise", sa.Integer(), nullable=False),
        sa.Column("total_paise", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "financial_year", "number", name="uq_subscription_invoices_financial_year_number"
        ),
    )
    op.create_index(
        "ix_subscription_invoices_tenant_id_issued_at",
        "subscription_invoices",
        ["tenant_id", "issued_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_subscription_invoices_tenant_id_issued_at", "subscription_invoices")
    op.drop_table("subscription_invoices")
    op.drop_table("subscription_invoice_counters")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("billing_state_code")
        batch.drop_column("billing_gstin")
        batch.drop_column("billing_name")
