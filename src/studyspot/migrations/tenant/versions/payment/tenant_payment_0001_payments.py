"""payment service: payments, refunds, invoices and counters, dues, provider accounts, webhooks, order routes

Revision ID: tenant_payment_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_payment_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("tenant_payment",)
depends_on: str | Sequence[str] | None = ("tenant_kit_0001",)

_STATUSES = "'created', 'pending', 'captured', 'failed', 'partially_refunded', 'refunded'"
_METHODS = "'cash', 'card', 'bank_transfer', 'upi', 'razorpay', 'cashfree'"
_TABLES = (
    "payments",
    "payment_refunds",
    "payment_invoices",
    "payment_invoice_counters",
    "payment_dues",
    "payment_provider_accounts",
    "payment_webhook_receipts",
)


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("refunded_paise", sa.BigInteger(), nullable=False),
        sa.Column("refund_reserved_paise", sa.BigInteger(), nullable=False),
        sa.Column("provider_order_id", sa.String(64), nullable=True),
        sa.Column("provider_payment_id", sa.String(64), nullable=True),
        sa.Column("upi_reference", sa.String(35), nullable=True),
        sa.Column("utr", sa.String(12), nullable=True),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("failure_reason", sa.String(200), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_by_type", sa.String(32), nullable=True),
        sa.Column("verified_by", sa.Uuid(), nullable=True),
        sa.Column("captured_at", UTCDateTime(), nullable=True),
        sa.Column("failed_at", UTCDateTime(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        *_stamps(),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="ck_payments_status"),
        sa.CheckConstraint(f"method IN ({_METHODS})", name="ck_payments_method"),
        sa.CheckConstraint("amount_paise > 0", name="ck_payments_amount_positive"),
        sa.CheckConstraint(
            "refunded_paise >= 0 AND refund_reserved_paise >= refunded_paise "
            "AND refund_reserved_paise <= amount_paise",
            name="ck_payments_refund_bounds",
        ),
        sa.UniqueConstraint("tenant_id", "utr", name="uq_payments_tenant_id_utr"),
        sa.UniqueConstraint(
            "tenant_id", "upi_reference", name="uq_payments_tenant_id_upi_reference"
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "provider",
            "provider_order_id",
            name="uq_payments_tenant_id_provider_provider_order_id",
        ),
    )
    for name, columns in {
        "ix_payments_tenant_id": ["tenant_id"],
        "ix_payments_provider_provider_order_id": ["provider", "provider_order_id"],
        "ix_payments_provider_provider_payment_id": ["provider", "provider_payment_id"],
        "ix_payments_tenant_id_created_at": ["tenant_id", "created_at"],
        "ix_payments_tenant_id_booking_id": ["tenant_id", "booking_id"],
        "ix_payments_tenant_id_status_created_at": ["tenant_id", "status", "created_at"],
        "ix_payments_status_created_at": ["status", "created_at"],
    }.items():
        op.create_index(name, "payments", columns)

    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "payment_id",
            sa.Uuid(),
            sa.ForeignKey("payments.id", name="fk_payment_refunds_payment_id_payments"),
            nullable=False,
        ),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_refund_id", sa.String(64), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("processed_at", UTCDateTime(), nullable=True),
        *_stamps(),
        sa.CheckConstraint("amount_paise > 0", name="ck_payment_refunds_amount_positive"),
        sa.CheckConstraint(
            "status IN ('pending', 'processed', 'failed')", name="ck_payment_refunds_status"
        ),
    )
    op.create_index("ix_payment_refunds_tenant_id", "payment_refunds", ["tenant_id"])
    op.create_index(
        "ix_payment_refunds_tenant_id_payment_id", "payment_refunds", ["tenant_id", "payment_id"]
    )
    op.create_index(
        "ix_payment_refunds_provider_refund_id", "payment_refunds", ["provider_refund_id"]
    )

    op.create_table(
        "payment_invoices",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "payment_id",
            sa.Uuid(),
            sa.ForeignKey("payments.id", name="fk_payment_invoices_payment_id_payments"),
            nullable=False,
        ),
        sa.Column("refund_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("series", sa.String(3), nullable=False),
        sa.Column("financial_year", sa.String(7), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("total_paise", sa.BigInteger(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('tax_invoice', 'receipt', 'credit_note')", name="ck_payment_invoices_kind"
        ),
        sa.UniqueConstraint(
            "tenant_id", "series", "number", name="uq_payment_invoices_tenant_id_series_number"
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "series",
            "financial_year",
            "seq",
            name="uq_payment_invoices_tenant_id_series_financial_year_seq",
        ),
    )
    op.create_index("ix_payment_invoices_tenant_id", "payment_invoices", ["tenant_id"])
    op.create_index(
        "ix_payment_invoices_tenant_id_payment_id", "payment_invoices", ["tenant_id", "payment_id"]
    )

    op.create_table(
        "payment_invoice_counters",
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("series", sa.String(3), primary_key=True),
        sa.Column("financial_year", sa.String(7), primary_key=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
    )

    op.create_table(
        "payment_dues",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("charged_paise", sa.BigInteger(), nullable=False),
        sa.Column("paid_paise", sa.BigInteger(), nullable=False),
        sa.Column("refunded_paise", sa.BigInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("tenant_id", "booking_id", name="uq_payment_dues_tenant_id_booking_id"),
    )
    op.create_index("ix_payment_dues_tenant_id", "payment_dues", ["tenant_id"])
    op.create_index(
        "ix_payment_dues_tenant_id_library_id_due_date",
        "payment_dues",
        ["tenant_id", "library_id", "due_date"],
    )
    op.create_index(
        "ix_payment_dues_tenant_id_student_id", "payment_dues", ["tenant_id", "student_id"]
    )

    op.create_table(
        "payment_provider_accounts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("public_id", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=True),
        sa.Column("secret_ciphertext", sa.String(500), nullable=True),
        sa.Column("webhook_secret_ciphertext", sa.String(500), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.UniqueConstraint(
            "tenant_id", "provider", name="uq_payment_provider_accounts_tenant_id_provider"
        ),
        sa.CheckConstraint(
            "provider IN ('upi', 'razorpay', 'cashfree')",
            name="ck_payment_provider_accounts_provider",
        ),
    )
    op.create_index(
        "ix_payment_provider_accounts_tenant_id", "payment_provider_accounts", ["tenant_id"]
    )

    op.create_table(
        "payment_webhook_receipts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(128), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "provider",
            "event_key",
            name="uq_payment_webhook_receipts_tenant_id_provider_event_key",
        ),
    )
    op.create_index(
        "ix_payment_webhook_receipts_tenant_id", "payment_webhook_receipts", ["tenant_id"]
    )

    # No row-level security here: see OrderRoute in services/payment/models.py.
    op.create_table(
        "payment_order_routes",
        sa.Column("provider", sa.String(16), primary_key=True),
        sa.Column("provider_order_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("GRANT SELECT, INSERT ON payment_order_routes TO studyspot_rls")

    for table in _TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    op.drop_table("payment_order_routes")
    for table in reversed(_TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
