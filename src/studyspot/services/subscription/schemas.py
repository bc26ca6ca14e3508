"""Request and response models of the subscription service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from studyspot.kit.schemas import ReadModel, WriteModel
from studyspot.services.subscription.periods import QUOTE_HOLDS_MINUTES

BillingCycle = Literal["monthly", "quarterly", "half_yearly", "annual"]
Status = Literal["trial", "active", "past_due", "grace", "read_only", "suspended", "cancelled"]
PlanCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
Price = Annotated[int, Field(ge=0, le=100_000_000, description="paise")]
Limit = Annotated[int | None, Field(ge=0, le=1_000_000, description="null: unlimited")]
Feature = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]


class PlanFields(WriteModel):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=500)
    is_public: bool = True
    monthly_price_paise: Price
    quarterly_price_paise: Price
    half_yearly_price_paise: Price
    annual_price_paise: Price
    max_libraries: Limit = None
    max_seats: Limit = None
    max_students: Limit = None
    max_staff: Limit = None
    monthly_message_credits: Limit = None
    overage_percent: int = Field(default=0, ge=0, le=100)
    features: list[Feature] = Field(default_factory=list, max_length=20)


class PlanCreate(PlanFields):
    code: PlanCode


class PlanUpdate(WriteModel):
    """Any subset; the plan gets a new version, existing subscriptions keep theirs."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=500)
    is_public: bool | None = None
    monthly_price_paise: Price | None = None
    quarterly_price_paise: Price | None = None
    half_yearly_price_paise: Price | None = None
    annual_price_paise: Price | None = None
    max_libraries: Limit = None
    max_seats: Limit = None
    max_students: Limit = None
    max_staff: Limit = None
    monthly_message_credits: Limit = None
    overage_percent: int | None = Field(default=None, ge=0, le=100)
    features: list[Feature] | None = Field(default=None, max_length=20)


class PlanRead(ReadModel):
    code: str
    version: int
    name: str
    description: str
    is_current: bool
    is_public: bool
    monthly_price_paise: int
    quarterly_price_paise: int
    half_yearly_price_paise: int
    annual_price_paise: int
    max_libraries: int | None
    max_seats: int | None
    max_students: int | None
    max_staff: int | None
    monthly_message_credits: int | None
    overage_percent: int
    features: list[str]
    created_at: datetime


class PlanRevised(ReadModel):
    plan: PlanRead
    subscriptions_on_older_versions: int
    note: str


class PlanList(ReadModel):
    items: list[PlanRead]


class PendingUpgrade(ReadModel):
    """An upgrade confirmed and not paid yet: its plan applies once it is paid."""

    id: uuid.UUID
    from_plan: str
    to_plan: str
    amount_paise: int
    status: Literal["due", "ordered", "invoiced"] = Field(
        description="due/ordered: pay online (POST /current/upgrade/checkout); "
        "invoiced: pay the invoice (`invoice_id`) by bank transfer"
    )
    invoice_id: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None = Field(description="unpaid by then, the upgrade lapses")


class SubscriptionRead(ReadModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    plan_code: str
    plan_version: int | None
    billing_cycle: BillingCycle
    price_paise: int
    status: Status
    trial_ends_at: datetime | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    status_since: datetime
    pending_plan_code: str | None
    pending_billing_cycle: BillingCycle | None
    cancel_at_period_end: bool
    max_libraries: int | None
    max_seats: int | None
    max_students: int | None
    max_staff: int | None
    monthly_message_credits: int | None
    overage_percent: int
    features: list[str]
    amount_due_paise: int = Field(description="What a payment now must be (0: nothing due).")
    pending_upgrade: PendingUpgrade | None = Field(
        default=None, description="an upgrade waiting for its payment before it applies"
    )


class UpgradeQuoteRequest(WriteModel):
    plan_code: PlanCode


class UpgradeRequest(UpgradeQuoteRequest):
    expected_amount_paise: int = Field(
        ge=0, le=1_000_000_000, description="amount_due_paise of the quote being confirmed"
    )
    quoted_at: AwareDatetime | None = Field(
        default=None,
        description=(
            "quoted_at of the quote being confirmed: the upgrade is prorated as of that moment "
            f"while the quote holds ({QUOTE_HOLDS_MINUTES} minutes), so the amount shown is the "
            "amount charged; without it, or later, as of now"
        ),
    )


class Quote(ReadModel):
    from_plan: str
    to_plan: str
    billing_cycle: BillingCycle
    old_price_paise: int
    new_price_paise: int
    period_start: datetime
    period_end: datetime
    period_seconds: int
    remaining_seconds: int
    credit_paise: int
    charge_paise: int
    amount_due_paise: int
    quoted_at: datetime = Field(description="The moment the proration is computed for.")
    valid_until: datetime = Field(
        description="Until when confirming with this quoted_at charges exactly this amount."
    )


class PlanChoice(WriteModel):
    plan_code: PlanCode
    billing_cycle: BillingCycle = "monthly"


RECEIVED_DAYS_BACK = 90


class ManualPayment(WriteModel):
    amount_paise: int = Field(ge=1, le=1_000_000_000)
    reference: str = Field(min_length=1, max_length=100, description="bank or UPI reference")
    received_on: date | None = Field(
        default=None,
        description=(
            "the day the money arrived (India), default today; not in the future, at most "
            f"{RECEIVED_DAYS_BACK} days back, and for an invoice not before its issue date"
        ),
    )


class MonthRevenue(ReadModel):
    month: str = Field(description="YYYY-MM, India time")
    new_mrr_paise: int
    expansion_mrr_paise: int
    contraction_mrr_paise: int = Field(description="negative or 0")
    churned_mrr_paise: int = Field(description="negative or 0")
    reactivation_mrr_paise: int
    net_new_mrr_paise: int
    trials_started: int
    trials_converted: int = Field(description="tenants whose first paid period began")


class RevenueRead(ReadModel):
    mrr_paise: int = Field(description="active, past due and in grace: dunning not over")
    arr_paise: int
    tenants_by_status: dict[str, int]
    trials: int
    past_due: int
    months: list[MonthRevenue] = Field(description="Newest first, at most `months` of them.")


class BillingDetails(WriteModel):
    """Whom StudySpot invoices; a GSTIN fixes the place of supply (its first two digits)."""

    name: str = Field(min_length=1, max_length=120)
    gstin: str | None = Field(default=None, min_length=15, max_length=15)
    state_code: str | None = Field(
        default=None, pattern=r"^[0-9]{2}$", description="GST state code, e.g. 27 (Maharashtra)"
    )


class InvoiceRead(ReadModel):
    id: uuid.UUID
    invoice_number: str
    financial_year: str
    plan_code: str
    billing_cycle: BillingCycle
    period_start: datetime
    period_end: datetime
    reference: str
    supplier_gstin: str
    recipient_name: str | None
    recipient_gstin: str | None
    place_of_supply: str
    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    total_paise: int
    issued_at: datetime
    gst_rate_bps: int = Field(description="the GST rate the tax was computed at, in basis points")
    status: Literal["paid", "unpaid", "void"] = Field(
        description="unpaid: an upgrade invoiced to a tenant paying by invoice; void: it lapsed"
    )
    paid_at: datetime | None
    payment_reference: str | None = Field(
        description="the bank, UPI or Razorpay reference of the payment; null while unpaid"
    )
    payment_received_on: date | None = Field(
        description="the day the money arrived (India); null while unpaid, and for invoices "
        "paid before it was recorded"
    )


class CreditNoteRead(ReadModel):
    """A GST credit note reversing an invoice (today: an upgrade invoiced and never paid)."""

    id: uuid.UUID
    credit_note_number: str
    financial_year: str
    invoice_id: uuid.UUID
    invoice_number: str = Field(description="the invoice this credit note reduces")
    reason: str
    supplier_gstin: str
    recipient_name: str | None
    recipient_gstin: str | None
    place_of_supply: str
    gst_rate_bps: int
    taxable_paise: int
    cgst_paise: int
    sgst_paise: int
    igst_paise: int
    total_paise: int
    issued_at: datetime


class LimitsOverride(WriteModel):
    """A tenant's own limits, replacing its plan version's until its next renewal or plan
    change (a negotiated deal is a custom plan). Omitted fields keep their value."""

    max_libraries: Limit = None
    max_seats: Limit = None
    max_students: Limit = None
    max_staff: Limit = None
    monthly_message_credits: Limit = None
    overage_percent: int | None = Field(default=None, ge=0, le=100)


class TenantSubscriptionRow(ReadModel):
    """One tenant in the platform's list, with its subscription (null fields: none opened
    yet, the tenant signed up moments ago and starts on the trial plan)."""

    tenant_id: uuid.UUID
    tenant_name: str
    tenant_slug: str
    tenant_status: str = Field(description="the platform's hold: active, suspended, ...")
    plan_code: str | None
    billing_cycle: BillingCycle | None
    price_paise: int | None
    status: Status | None = Field(description="the subscription's status; null: not opened")
    trial_ends_at: datetime | None
    current_period_end: datetime | None
    past_due: bool = Field(description="past due or in grace: a renewal is unpaid")
    unpaid_invoices: int = Field(description="invoices waiting for a bank transfer")


class SubscriptionChange(ReadModel):
    """One change of a tenant's subscription, as its audit row recorded it."""

    id: uuid.UUID
    action: str = Field(description="the event's topic, e.g. subscription.invoice_paid")
    actor_type: str | None
    actor_id: uuid.UUID | None
    created_at: datetime
    details: dict[str, Any] = Field(
        description="the subscription after the change and the change's own details"
    )
