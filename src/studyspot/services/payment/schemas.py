"""Request and response bodies of the payment API.

Amounts a client may not set (what an online payment charges, refunded
totals, statuses) are not fields of any request: sending them is a 422.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from studyspot.kit.schemas import ReadModel, WriteModel
from studyspot.services.payment.invoicing import NUMBER_PATTERN
from studyspot.services.payment.providers.upi import UTR_PATTERN

Method = Literal["cash", "card", "bank_transfer", "upi", "razorpay", "cashfree"]
DeskMethod = ("cash", "card", "bank_transfer")
Provider = Literal["desk", "upi", "razorpay", "cashfree"]
Status = Literal["created", "pending", "captured", "failed", "partially_refunded", "refunded"]
DueStatus = Literal["open", "cancelled", "expired"]
MAX_PAISE = 10_000_000_000  # ₹10 crore: far above any seat fee, far below overflow
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
# Constraints on the string itself, not on `str | None`: on the union pydantic raises a
# TypeError for an explicit null (a 500) instead of a validation error.
# Report days: far enough either way for any library's books, and never a day whose
# midnight in Asia/Kolkata falls outside what a timestamp can hold (0001-01-01, 9999-12-31).
FIRST_REPORT_DAY, LAST_REPORT_DAY = date(2000, 1, 1), date(2099, 12, 31)


def _report_day(value: date) -> date:
    if not FIRST_REPORT_DAY <= value <= LAST_REPORT_DAY:
        raise ValueError(f"must be between {FIRST_REPORT_DAY} and {LAST_REPORT_DAY}")
    return value


ReportDay = Annotated[
    date,
    AfterValidator(_report_day),
    Field(description=f"A local date (Asia/Kolkata), {FIRST_REPORT_DAY} to {LAST_REPORT_DAY}"),
]
_Text64 = Annotated[str, Field(min_length=1, max_length=64, pattern=_PRINTABLE)]
_Text100 = Annotated[str, Field(min_length=1, max_length=100, pattern=_PRINTABLE)]
_Text200 = Annotated[str, Field(min_length=1, max_length=200, pattern=_PRINTABLE)]


class PaymentCreate(WriteModel):
    booking_id: uuid.UUID
    method: Method = Field(description="Desk methods (cash, card, bank_transfer) are for staff.")
    amount_paise: Annotated[int, Field(ge=1, le=MAX_PAISE)] | SkipJsonSchema[None] = Field(
        default=None,
        description="Desk payments only: the part of the balance paid now (default: all of it). "
        "Online payments always charge the balance the server computes.",
    )
    currency: Literal["INR"] = "INR"
    reference: _Text64 | SkipJsonSchema[None] = Field(
        default=None, description="Card slip or bank transfer reference (desk)."
    )
    note: _Text200 | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _amount_only_at_desk(self) -> PaymentCreate:
        if self.amount_paise is not None and self.method not in DeskMethod:
            raise ValueError("amount_paise is computed by the server for online payments")
        return self


LINK_MINUTES_MIN, LINK_MINUTES_MAX = 15, 30 * 24 * 60


class PaymentLinkCreate(WriteModel):
    """A payment link the desk shares with the student (QR, WhatsApp) for the booking's balance."""

    booking_id: uuid.UUID
    provider: Literal["razorpay", "cashfree"]
    expires_in_minutes: int = Field(
        default=24 * 60,
        ge=LINK_MINUTES_MIN,
        le=LINK_MINUTES_MAX,
        description="How long the link can be paid: 15 minutes (Razorpay's least) to 30 days; "
        "default one day.",
    )
    note: _Text200 | SkipJsonSchema[None] = Field(
        default=None, description="What the student reads on the provider's payment page."
    )


class RazorpayCheckout(WriteModel):
    """What Razorpay Checkout hands the client after payment."""

    razorpay_order_id: str = Field(pattern=r"^order_[A-Za-z0-9]{1,40}$")
    razorpay_payment_id: str = Field(pattern=r"^pay_[A-Za-z0-9]{1,40}$")
    razorpay_signature: str = Field(pattern=r"^[0-9a-f]{64}$")


class UtrSubmit(WriteModel):
    utr: str = Field(pattern=UTR_PATTERN, description="The 12-digit UPI transaction reference.")


class UpiVerify(WriteModel):
    utr: Annotated[str, Field(pattern=UTR_PATTERN)] | SkipJsonSchema[None] = Field(
        default=None,
        description="The UTR seen on the bank statement, when the student did not submit it.",
    )


class UpiReject(WriteModel):
    reason: str = Field(min_length=3, max_length=200, pattern=_PRINTABLE)


class RefundCreate(WriteModel):
    amount_paise: int = Field(ge=1, le=MAX_PAISE)
    reason: str = Field(min_length=3, max_length=500, pattern=_PRINTABLE)


class RazorpayAccountSave(WriteModel):
    key_id: str = Field(pattern=r"^rzp_(test|live)_[A-Za-z0-9]{14}$")
    key_secret: str = Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9]+$")
    webhook_secret: str = Field(min_length=8, max_length=100, pattern=r"^[\x21-\x7e]+$")
    display_name: _Text100 | SkipJsonSchema[None] = None


class CashfreeAccountSave(WriteModel):
    client_id: str = Field(min_length=6, max_length=100, pattern=r"^[A-Za-z0-9_]+$")
    client_secret: str = Field(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$")


class UpiAccountSave(WriteModel):
    vpa: str = Field(
        max_length=100,
        pattern=r"^[A-Za-z0-9.\-_]{2,256}@[A-Za-z]{2,64}$",
        description="The library's own UPI id, e.g. lakshya@okaxis",
    )
    payee_name: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9 .&'\-]+$")


class AccountRead(ReadModel):
    """A configured provider: never a secret, only whether one is stored."""

    provider: Literal["upi", "razorpay", "cashfree"]
    public_id: str = Field(max_length=100, description="Key id, client id or VPA (not secret).")
    display_name: str | None = Field(max_length=100)
    has_secret: bool
    has_webhook_secret: bool
    is_active: bool
    updated_at: datetime


class Checkout(BaseModel):
    """What the client needs to pay an online payment."""

    provider: Provider
    amount_paise: int = Field(ge=1, le=MAX_PAISE)
    currency: Literal["INR"]
    key_id: str | None = Field(default=None, max_length=64)
    order_id: str | None = Field(default=None, max_length=64)
    payment_session_id: str | None = Field(default=None, max_length=500)
    upi_link: str | None = Field(default=None, max_length=1000)
    link_url: str | None = Field(
        default=None, max_length=1000, description="A payment link's page at the provider."
    )
    link_expires_at: datetime | None = Field(
        default=None, description="When the payment link stops taking payments."
    )
    vpa: str | None = Field(default=None, max_length=100)
    reference: str | None = Field(default=None, max_length=35)


class PaymentRead(ReadModel):
    id: uuid.UUID
    booking_id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID
    method: Method
    provider: Provider
    status: Status
    amount_paise: int = Field(ge=1, le=MAX_PAISE)
    currency: Literal["INR"]
    refunded_paise: int = Field(ge=0, le=MAX_PAISE)
    provider_order_id: str | None = Field(max_length=64)
    provider_payment_id: str | None = Field(max_length=64)
    upi_reference: str | None = Field(max_length=35)
    utr: str | None = Field(max_length=12)
    reference: str | None = Field(max_length=64)
    note: str | None = Field(max_length=200)
    failure_reason: str | None = Field(max_length=200)
    invoice_number: str | None = Field(default=None, max_length=16)
    checkout: Checkout | None = None
    captured_at: datetime | None
    failed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class RefundRead(ReadModel):
    id: uuid.UUID
    payment_id: uuid.UUID
    amount_paise: int = Field(ge=1, le=MAX_PAISE)
    reason: str = Field(max_length=500)
    status: Literal["pending", "processed", "failed"]
    provider_refund_id: str | None = Field(max_length=64)
    credit_note_number: str | None = Field(default=None, max_length=16)
    created_at: datetime
    processed_at: datetime | None


class Party(BaseModel):
    name: str = Field(max_length=200)
    gstin: str | None = Field(default=None, max_length=15)
    branch: str | None = Field(default=None, max_length=120)
    city: str | None = Field(default=None, max_length=80)
    state: str | None = Field(default=None, max_length=64)
    state_code: str | None = Field(default=None, max_length=2)
    enrollment_number: str | None = Field(default=None, max_length=16)


class PlaceOfSupply(BaseModel):
    state: str = Field(max_length=64)
    state_code: str = Field(max_length=2)


class InvoiceLine(BaseModel):
    description: str = Field(max_length=200)
    amount_paise: int = Field(ge=-MAX_PAISE, le=MAX_PAISE)


class InvoiceRead(BaseModel):
    """A tax invoice, receipt or credit note exactly as issued."""

    id: uuid.UUID
    kind: Literal["tax_invoice", "receipt", "credit_note"]
    number: str = Field(pattern=NUMBER_PATTERN, max_length=16)
    financial_year: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$")
    issued_at: datetime
    issue_date: date
    payment_id: uuid.UUID
    booking_id: uuid.UUID
    supplier: Party
    recipient: Party
    place_of_supply: PlaceOfSupply
    sac_code: str = Field(max_length=6)
    method: Method
    payment_reference: str | None = Field(max_length=64)
    lines: list[InvoiceLine] = Field(max_length=20)
    taxable_paise: int | None = Field(ge=-MAX_PAISE, le=MAX_PAISE)
    gst_rate_bps: int | None = Field(ge=0, le=10_000)
    cgst_paise: int = Field(ge=-MAX_PAISE, le=MAX_PAISE)
    sgst_paise: int = Field(ge=-MAX_PAISE, le=MAX_PAISE)
    igst_paise: int = Field(ge=-MAX_PAISE, le=MAX_PAISE)
    other_paise: int = Field(
        ge=-MAX_PAISE, le=MAX_PAISE, description="Not taxed (security deposit)"
    )
    total_paise: int = Field(ge=-MAX_PAISE, le=MAX_PAISE)
    currency: Literal["INR"]
    refers_to: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, max_length=500)
    credit_notes: list[str] = Field(default_factory=list, max_length=100)

    @classmethod
    def of(cls, invoice: Any, credit_notes: list[str] | None = None) -> InvoiceRead:
        doc = dict(invoice.document)
        return cls.model_validate(
            {
                **doc,
                "id": invoice.id,
                "issued_at": invoice.issued_at,
                "credit_notes": credit_notes or [],
            }
        )


class DueRead(ReadModel):
    """What one booking owes: to collect (positive balance) or to give back (negative)."""

    booking_id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID
    status: DueStatus = Field(
        description="open: collecting; cancelled / expired: the booking was cancelled or its "
        "hold lapsed, nothing more is charged"
    )
    charged_paise: int = Field(ge=0, le=MAX_PAISE, description="The booking's total")
    adjustment_paise: int = Field(
        ge=-MAX_PAISE,
        le=MAX_PAISE,
        description="Price differences of seat, shift or plan transfers (negative: a credit)",
    )
    paid_paise: int = Field(ge=0, le=MAX_PAISE)
    refunded_paise: int = Field(ge=0, le=MAX_PAISE)
    balance_paise: int = Field(
        ge=-2 * MAX_PAISE,
        le=2 * MAX_PAISE,
        description="Open: charged + adjustment - paid + refunded. Cancelled or expired: "
        "refunded - paid. Negative: money the library owes back to the student",
    )
    due_date: date = Field(description="The booking's first day")
    closed_at: datetime | None = Field(description="When the booking was cancelled or expired")
    overdue_days: int = Field(
        ge=0, description="Days since the due date while an open due has something to pay"
    )


class MethodTotal(BaseModel):
    method: Method
    count: int = Field(ge=0)
    amount_paise: int = Field(ge=0)


class DailySummary(BaseModel):
    date: date
    library_id: uuid.UUID | None
    methods: list[MethodTotal] = Field(max_length=10)
    collected_paise: int = Field(ge=0)
    refunded_paise: int = Field(ge=0)
    net_paise: int


_Count = Annotated[int, Field(ge=0)]


class ReconciliationCounts(BaseModel):
    """What the last pass did, over the branches the caller sees."""

    checked: _Count = Field(description="Open Razorpay / Cashfree payments asked about.")
    settled: _Count = Field(description="Captured by this pass (the provider had the money).")
    failed: _Count = Field(description="Marked failed by this pass (the provider said so).")
    still_pending: _Count = Field(description="Still open at the provider: asked again next run.")
    refunds_processed: _Count
    refunds_failed: _Count
    errors: _Count = Field(description="Payments or refunds the provider could not be asked about.")


class ReconciliationRun(BaseModel):
    trigger: Literal["periodic", "command"] = Field(
        description="The payment service's own periodic job, or `studyspot payments reconcile`."
    )
    outcome: Literal["succeeded", "partial", "failed"] = Field(
        description="partial: some payments could not be asked about (see counts.errors); "
        "failed: the pass over this business stopped early."
    )
    started_at: datetime
    finished_at: datetime
    counts: ReconciliationCounts


class ReconciliationStatusRead(BaseModel):
    last_run: ReconciliationRun | None = Field(
        description="The last finished pass over this business; null: it has never run yet."
    )
    periodic_interval_seconds: int | None = Field(
        ge=1,
        le=86_400,
        description="How often the payment service reconciles by itself; null: switched off "
        "(PAYMENT_RECONCILE_INTERVAL_SECONDS=0), only `studyspot payments reconcile` runs it.",
    )
    next_run_due_at: datetime | None = Field(
        description="When the periodic job runs next, as its last run recorded; null when it "
        "is off or has not run yet."
    )
    after_minutes: int = Field(
        ge=0,
        le=10_080,
        description="Payments younger than this are left to their webhook and not asked about.",
    )


class WebhookAck(BaseModel):
    status: Literal["processed", "duplicate", "ignored"]
