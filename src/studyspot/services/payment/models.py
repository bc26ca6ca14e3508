"""The payment service's tables (tenant databases).

Money is integer paise. A payment's `snapshot` freezes, at creation, what its
invoice will print (buyer, supplier GSTIN, place of supply, the booking's tax
split), so that capturing it is a database-only step with no HTTP call inside
the transaction that holds the invoice counter.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    case,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from studyspot.kit.models import IdMixin, TenantBase, TenantMixin, TimestampMixin, UTCDateTime

PAYMENT_STATUSES = ("created", "pending", "captured", "failed", "partially_refunded", "refunded")
METHODS = ("cash", "card", "bank_transfer", "upi", "razorpay", "cashfree")
PROVIDERS = ("desk", "upi", "razorpay", "cashfree")
DUE_STATUSES = ("open", "cancelled", "expired")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Payment(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="status"),
        CheckConstraint(_in("method", METHODS), name="method"),
        CheckConstraint("amount_paise > 0", name="amount_positive"),
        CheckConstraint(
            "refunded_paise >= 0 AND refund_reserved_paise >= refunded_paise "
            "AND refund_reserved_paise <= amount_paise",
            name="refund_bounds",
        ),
        UniqueConstraint("tenant_id", "utr"),
        UniqueConstraint("tenant_id", "upi_reference"),
        UniqueConstraint("tenant_id", "provider", "provider_order_id"),
        Index(None, "provider", "provider_order_id"),
        Index(None, "provider", "provider_payment_id"),
        Index(None, "tenant_id", "created_at"),
        Index(None, "tenant_id", "booking_id"),
        Index(None, "tenant_id", "status", "created_at"),
        Index(None, "status", "created_at"),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False, default="created")
    amount_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="INR")
    refunded_paise: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Pending plus processed refunds: the guard that keeps refunds within the capture.
    refund_reserved_paise: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    provider_order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    provider_payment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    upi_reference: Mapped[str | None] = mapped_column(String(35), nullable=True)
    utr: Mapped[str | None] = mapped_column(String(12), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_by_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    verified_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class Refund(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    __tablename__ = "payment_refunds"
    __table_args__ = (
        CheckConstraint("amount_paise > 0", name="amount_positive"),
        CheckConstraint(_in("status", ("pending", "processed", "failed")), name="status"),
        Index(None, "tenant_id", "payment_id"),
        Index(None, "provider_refund_id"),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("payments.id"), nullable=False)
    amount_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    provider_refund_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Invoice(IdMixin, TenantMixin, TenantBase):
    """A tax invoice, receipt or credit note. Never updated or deleted."""

    __tablename__ = "payment_invoices"
    __table_args__ = (
        CheckConstraint(_in("kind", ("tax_invoice", "receipt", "credit_note")), name="kind"),
        UniqueConstraint("tenant_id", "series", "number"),
        UniqueConstraint("tenant_id", "series", "financial_year", "seq"),
        Index(None, "tenant_id", "payment_id"),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("payments.id"), nullable=False)
    refund_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    series: Mapped[str] = mapped_column(String(3), nullable=False)
    financial_year: Mapped[str] = mapped_column(String(7), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(16), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    total_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class InvoiceCounter(TenantMixin, TenantBase):
    """The last number issued per (tenant, series, financial year); locked by the capture."""

    __tablename__ = "payment_invoice_counters"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    series: Mapped[str] = mapped_column(String(3), primary_key=True)
    financial_year: Mapped[str] = mapped_column(String(7), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Due(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    """What a student owes for one booking: charged, adjusted by transfers, paid, refunded.

    Made when the booking is (`booking.created`, or the first payment if that
    comes first); closed when the booking is cancelled or its hold lapses. A
    closed due charges nothing more, so what was paid and not refunded is owed
    back to the student.
    """

    __tablename__ = "payment_dues"
    __table_args__ = (
        UniqueConstraint("tenant_id", "booking_id"),
        CheckConstraint(_in("status", DUE_STATUSES), name="status"),
        Index(None, "tenant_id", "library_id", "due_date"),
        Index(None, "tenant_id", "student_id"),
        Index(None, "tenant_id", "status", "due_date"),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    charged_paise: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_paise: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    refunded_paise: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Price differences of seat, shift or plan transfers: positive is more to pay.
    adjustment_paise: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def net_paid_paise(self) -> int:
        """What the library holds of this booking's money: paid and not refunded."""
        return self.paid_paise - self.refunded_paise

    @hybrid_property
    def balance_paise(self) -> int:
        """Still to collect (positive) or to give back (negative); the only definition."""
        if self.status == "open":
            return self.charged_paise + self.adjustment_paise - self.net_paid_paise
        return -self.net_paid_paise

    @balance_paise.inplace.expression
    @classmethod
    def _balance_paise_expression(cls) -> ColumnElement[int]:
        return case(
            (
                cls.status == "open",
                cls.charged_paise + cls.adjustment_paise - cls.paid_paise + cls.refunded_paise,
            ),
            else_=cls.refunded_paise - cls.paid_paise,
        )


class ProviderAccount(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    """A tenant's own keys for one provider; secrets only as ciphertext."""

    __tablename__ = "payment_provider_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "provider"),
        CheckConstraint(_in("provider", ("upi", "razorpay", "cashfree")), name="provider"),
    )

    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    # Razorpay key id, Cashfree client id or the UPI VPA: not secret, shown to the owner.
    public_id: Mapped[str] = mapped_column(String(100), nullable=False)
    display_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    secret_ciphertext: Mapped[str | None] = mapped_column(String(500), nullable=True)
    webhook_secret_ciphertext: Mapped[str | None] = mapped_column(String(500), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class WebhookReceipt(IdMixin, TenantMixin, TenantBase):
    """One row per provider event processed: the webhook deduplication ledger."""

    __tablename__ = "payment_webhook_receipts"
    __table_args__ = (UniqueConstraint("tenant_id", "provider", "event_key"),)

    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    event_key: Mapped[str] = mapped_column(String(128), nullable=False)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class OrderRoute(TenantBase):
    """Which tenant a provider order belongs to, for unauthenticated webhooks.

    Kept in the shared tenant database for every tenant (dedicated ones too)
    and without row-level security: a webhook names only the provider's order
    id, and the tenant is what it must find. It holds ids only; the webhook is
    then checked against the tenant's own payment row and secret.
    """

    __tablename__ = "payment_order_routes"

    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    provider_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


RECONCILE_TRIGGERS = ("periodic", "command")
RECONCILE_OUTCOMES = ("succeeded", "partial", "failed")


class ReconciliationStatus(TenantMixin, TenantBase):
    """The last finished reconciliation pass over one tenant, one row per tenant.

    Written by the reconciler (the periodic job and `studyspot payments reconcile`)
    after each tenant's pass; a pass cut short by a crash leaves the previous row.
    Counts are kept per branch (`by_library`: library id → counts) so that staff of
    one branch see only their branches' numbers.
    """

    __tablename__ = "payment_reconciliation_status"
    __table_args__ = (
        CheckConstraint(_in("trigger", RECONCILE_TRIGGERS), name="trigger"),
        CheckConstraint(_in("outcome", RECONCILE_OUTCOMES), name="outcome"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    by_library: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # Set by the periodic job only (finish + its interval); a run by hand leaves it alone.
    next_run_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
