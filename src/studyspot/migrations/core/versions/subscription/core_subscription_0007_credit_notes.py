"""subscription service: GST credit notes against platform invoices, numbered per year

Revision ID: core_subscription_0007
Revises: core_subscription_0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_subscription_0007"
down_revision: str | Sequence[str] | None = "core_subscription_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscription_credit_note_counters",
        sa.Column("financial_year", sa.String(7), primary_key=True),
        sa.Column("last_number", sa.Integer(), nullable=False),
    )
    op.create_table(
        "subscription_credit_notes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_number", sa.String(32), nullable=False),
        sa.Column("financial_year", sa.String(7), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("credit_note_number", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("supplier_gstin", sa.String(15), nullable=False),
        sa.Column("recipient_name", sa.String(120), nullable=True),
        sa.Column("recipient_gstin", sa.String(15), nullable=True),
        sa.Column("place_of_supply", sa.String(2), nullable=False),
        sa.Column("gst_rate_bps", sa.Integer(), nullable=False),
        sa.Column("taxable_paise", sa.Integer(), nullable=False),
        sa.Column("cgst_paise", sa.Integer(), nullable=False),
        sa.Column("sgst_paise", sa.Integer(), nullable=False),
        sa.Column("igst_paise", sa.Integer(), nullable=False),
        sa.Column("total_paise", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "financial_year", "number", name="uq_subscription_credit_notes_financial_year_number"
        ),
    )
    op.create_index(
        "ix_subscription_credit_notes_tenant_id_issued_at",
        "subscription_credit_notes",
        ["tenant_id", "issued_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_subscription_credit_notes_tenant_id_issued_at", "subscription_credit_notes")
    op.drop_table("subscription_credit_notes")
    op.drop_table("subscription_credit_note_counters")
