"""Tables of the subscription service (core database): plans, subscriptions, job leases.

A plan is versioned: editing a plan's price or limits adds a version and marks it
current; a subscription keeps the version (price and limits copied onto its row) it
started or last renewed on, so a change never alters it before its renewal.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from studyspot.kit.models import CoreBase, IdMixin, TimestampMixin, UTCDateTime

STATUSES = ("trial", "active", "past_due", "grace", "read_only", "suspended", "cancelled")
CYCLES = ("monthly", "quarterly", "half_yearly", "annual")


class Plan(IdMixin, CoreBase):
    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_plans_code_version"),
        Index("ix_plans_code_is_current", "code", "is_current"),
    )

    code: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # Offered to tenants (the trial plan is not: it is where a new tenant starts).
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False)
    monthly_price_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    quarterly_price_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    half_yearly_price_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    annual_price_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    # NULL: unlimited.
    max_libraries: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_seats: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_students: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_staff: Mapped[int | None] = mapped_column(Integer, nullable=True)
    monthly_message_credits: Mapped[int | None] = mapped_column(Integer, nullable=True)
    overage_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    features: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)

    def price(self, cycle: str) -> int:
        value: int = getattr(self, f"{cycle}_price_paise")
        return value


class Subscription(IdMixin, TimestampMixin, CoreBase):
    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_subscriptions_tenant_id"),
        CheckConstraint(
            "status IN ('trial', 'active', 'past_due', 'grace', 'read_only', 'suspended', "
            "'cancelled')",
            name="ck_subscriptions_status",
        ),
        Index("ix_subscriptions_status", "status"),
        UniqueConstraint(
            "provider_subscription_id", name="uq_subscriptions_provider_subscription_id"
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    plan_code: Mapped[str] = mapped_column(String(32), nullable=False)
    # NULL: a plan the catalogue never had (a tenant row's own plan code, kept by the move).
    plan_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    billing_cycle: Mapped[str] = mapped_column(String(16), nullable=False)
    price_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    trial_used: Mapped[bool] = mapped_column(Boolean, nullable=False)
    trial_reminders_sent: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Bit n set: the dunning notice of day D+n was published.
    dunning_notices_sent: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The Razorpay subscription paying this one (autopay), once the owner checked out.
    provider_subscription_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Whom StudySpot invoices (place of supply from the GSTIN, else the state given).
    billing_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    billing_gstin: Mapped[str | None] = mapped_column(String(15), nullable=True)
    billing_state_code: Mapped[str | None] = mapped_column(String(2), nullable=True)
    # Monthly recurring revenue as of the last change (kept by service._changed).
    mrr_paise: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    current_period_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When the current status began: the lifecycle job measures each step from it.
    status_since: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # What happens at the end of the period (downgrade, cycle change) or once paid (a
    # plan chosen while on trial or read-only).
    pending_plan_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    pending_billing_cycle: Mapped[str | None] = mapped_column(String(16), nullable=True)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    max_libraries: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_seats: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_students: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_staff: Mapped[int | None] = mapped_column(Integer, nullable=True)
    monthly_message_credits: Mapped[int | None] = mapped_column(Integer, nullable=True)
    overage_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    features: Mapped[list[str]] = mapped_column(JSON, nullable=False)

    def limits(self) -> dict[str, Any]:
        return {
            "libraries": self.max_libraries,
            "seats": self.max_seats,
            "students": self.max_students,
            "staff": self.max_staff,
            "message_credits": self.monthly_message_credits,
        }


class JobLease(CoreBase):
    """One row per periodic job: the instance whose conditional UPDATE moved
    `locked_until` runs the round; the others skip it."""

    __tablename__ = "subscription_job_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64), nullable=False)
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ProviderPlan(CoreBase):
    """The Razorpay plan made for one version of one of our plans in one cycle."""

    __tablename__ = "subscription_provider_plans"

    plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    billing_cycle: Mapped[str] = mapped_column(String(16), primary_key=True)
    provider_plan_id: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Charge(IdMixin, CoreBase):
    """A payment received for a subscription; one per provider payment, however often told."""

    __tablename__ = "subscription_charges"
    __table_args__ = (
        UniqueConstraint(
            "provider", "provider_payment_id", name="uq_subscription_charges_provider_payment"
        ),
        Index("ix_subscription_charges_tenant_id", "tenant_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    subscription_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    provider_payment_id: Mapped[str] = mapped_column(String(64), nullable=False)
    amount_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    plan_code: Mapped[str] = mapped_column(String(32), nullable=False)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class UpgradeCharge(IdMixin, CoreBase):
    """The prorated amount of one upgrade, charged apart from the recurring price. The
    plan bought (`to_plan` at `to_plan_version`) applies only once this is paid.

    `due` when the upgrade is confirmed; a Razorpay one-off order (`ordered`) paid by the
    owner makes it `paid` (its `order.paid` webhook or Checkout's signed answer, unique by
    order and by payment) with a platform GST invoice; a tenant paying by invoice
    (Enterprise, manual) gets an unpaid invoice at once and the charge stays `invoiced`
    until a platform admin records its payment. Unpaid at `expires_at` it `lapsed` (its
    invoice void); a newer upgrade leaves it `superseded`. A payment arriving for a
    charge no longer open is `refund_due`: recorded, the plan unchanged.
    """

    __tablename__ = "subscription_upgrade_charges"
    __table_args__ = (
        UniqueConstraint("provider_order_id", name="uq_subscription_upgrade_charges_order"),
        UniqueConstraint("provider_payment_id", name="uq_subscription_upgrade_charges_payment"),
        Index("ix_subscription_upgrade_charges_tenant_id", "tenant_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    subscription_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    from_plan: Mapped[str] = mapped_column(String(32), nullable=False)
    to_plan: Mapped[str] = mapped_column(String(32), nullable=False)
    amount_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    provider_order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    provider_payment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # NULL on upgrades made before payment decided them (their plan applied at once).
    to_plan_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebhookEvent(CoreBase):
    """Every verified webhook, keyed by what its signature covers: a replay finds its key."""

    __tablename__ = "subscription_webhook_events"

    event_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    event: Mapped[str] = mapped_column(String(64), nullable=False)
    provider_subscription_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(String(32), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class InvoiceCounter(CoreBase):
    """The last invoice number of a financial year, locked by whoever issues the next."""

    __tablename__ = "subscription_invoice_counters"

    financial_year: Mapped[str] = mapped_column(String(7), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False)


class GstDocument:
    """What every GST document from StudySpot to a tenant carries: its number in a series
    per financial year, both parties, the place of supply, the rate and the amounts."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    subscription_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    financial_year: Mapped[str] = mapped_column(String(7), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    supplier_gstin: Mapped[str] = mapped_column(String(15), nullable=False)
    recipient_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    recipient_gstin: Mapped[str | None] = mapped_column(String(15), nullable=True)
    place_of_supply: Mapped[str] = mapped_column(String(2), nullable=False)
    taxable_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    cgst_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    sgst_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    igst_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    total_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # The rate the tax was computed at (basis points): the PDF prints this, not today's.
    gst_rate_bps: Mapped[int] = mapped_column(Integer, nullable=False)


INVOICE_STATUSES = ("paid", "unpaid", "void")


class Invoice(GstDocument, IdMixin, CoreBase):
    """StudySpot's GST invoice to a tenant. Its amounts never change once issued; only an
    unpaid one (an upgrade invoiced to a tenant paying by invoice) moves, to `paid` when a
    platform admin records the payment or to `void` when the upgrade lapsed. Never deleted."""

    __tablename__ = "subscription_invoices"
    __table_args__ = (
        UniqueConstraint(
            "financial_year", "number", name="uq_subscription_invoices_financial_year_number"
        ),
        Index("ix_subscription_invoices_tenant_id_issued_at", "tenant_id", "issued_at"),
    )

    invoice_number: Mapped[str] = mapped_column(String(32), nullable=False)
    plan_code: Mapped[str] = mapped_column(String(32), nullable=False)
    billing_cycle: Mapped[str] = mapped_column(String(16), nullable=False)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reference: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    payment_reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # The day the money arrived (India): a bank transfer is often recorded days later.
    payment_received_on: Mapped[date | None] = mapped_column(Date(), nullable=True)


class MrrMovement(IdMixin, CoreBase):
    """A change of one tenant's monthly recurring revenue, for the revenue view by month."""

    __tablename__ = "subscription_mrr_movements"
    __table_args__ = (Index("ix_subscription_mrr_movements_month", "month"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM, India time
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    delta_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    mrr_after_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class CreditNoteCounter(CoreBase):
    """The last credit note number of a financial year (a series apart from invoices)."""

    __tablename__ = "subscription_credit_note_counters"

    financial_year: Mapped[str] = mapped_column(String(7), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False)


class CreditNote(GstDocument, IdMixin, CoreBase):
    """StudySpot's GST credit note to a tenant, reducing one invoice (`invoice_id`) by its
    amounts at that invoice's rate and place of supply. Never edited or deleted."""

    __tablename__ = "subscription_credit_notes"
    __table_args__ = (
        UniqueConstraint(
            "financial_year", "number", name="uq_subscription_credit_notes_financial_year_number"
        ),
        Index("ix_subscription_credit_notes_tenant_id_issued_at", "tenant_id", "issued_at"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    invoice_number: Mapped[str] = mapped_column(String(32), nullable=False)
    credit_note_number: Mapped[str] = mapped_column(String(40), nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
