"""Request and response models of the message service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from studyspot.kit.schemas import ReadModel, WriteModel
from studyspot.services.message.audience import MAX_AUDIENCE, MAX_AUDIENCE_DAYS, MAX_EXPIRING_DAYS
from studyspot.services.message.upstream import CreditProvider

Language = Literal["en", "hi"]


class MailboxMessage(ReadModel):
    id: uuid.UUID = Field(description="The delivery this e-mail belongs to")
    to: str
    subject: str
    written_at: datetime
    text: str = Field(description="The plain-text body, links included")


class DeliveryRead(ReadModel):
    """One message to one recipient over one channel. Never shows a link's secret."""

    id: uuid.UUID
    kind: str = Field(
        description="password_reset, invite, booking_confirmed, renewal_due, waitlist_offer, "
        "announcement, notice"
    )
    channel: str = Field(description="email, sms or whatsapp")
    recipient: str
    recipient_user_id: uuid.UUID | None
    language: str
    status: str = Field(description="queued, sending, sent, failed, dead, expired or skipped")
    attempts: int
    next_attempt_at: datetime
    provider: str | None
    last_error: str | None = Field(description="Stable code of the last failure")
    created_at: datetime
    sent_at: datetime | None


class NotificationRead(ReadModel):
    id: uuid.UUID
    kind: str = Field(description="booking_confirmed, renewal_due, waitlist_offer, ...")
    category: str = Field(description="transactional, reminders or promotional")
    title: str
    body: str
    language: str
    read_at: datetime | None
    created_at: datetime


class UnreadCount(BaseModel):
    unread: int = Field(ge=0)


class MarkedRead(BaseModel):
    marked: int = Field(ge=0, description="How many notifications were unread and now are read")


class PreferenceRead(BaseModel):
    language: Language


class PreferenceWrite(WriteModel):
    language: Language


class TemplateRead(BaseModel):
    kind: str
    channel: str = Field(description="email or in_app")
    language: Language
    category: str
    variables: dict[str, str] = Field(
        description="Variable name → type (text, paise, date, datetime, link). Filters: "
        "`inr` (paise → ₹1,50,000.00), `date`, `datetime` (IST)."
    )
    subject: str = Field(description="The e-mail subject, or the in-app title")
    body: str
    overridden: bool = Field(description="True when the tenant wrote its own wording")
    updated_at: datetime | None


class TemplateWrite(WriteModel):
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=5000)


class TemplatePreviewRequest(WriteModel):
    """Render a template with sample values; without subject and body, the one in use."""

    subject: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=5000)


class TemplatePreview(BaseModel):
    subject: str
    text: str


class MessageConsentRead(ReadModel):
    channel: str
    purpose: str
    granted: bool
    notice_version: str
    recorded_at: datetime
    recorded_by: uuid.UUID | None
    recorded_by_type: str


GuardianChannel = Literal["whatsapp", "sms", "email"]


class GuardianRequestRead(ReadModel):
    """A consent request sent to a minor's guardian. The link itself is never shown."""

    id: uuid.UUID
    reason: Literal["admitted", "guardian_changed", "consent_recorded", "resend"] = Field(
        description="What asked: the admission, a new guardian contact, the desk recording "
        "the student's consent, or a resend from the console"
    )
    channel: GuardianChannel = Field(description="The first channel it was sent on")
    contact: str = Field(description="The guardian's e-mail or phone it went to")
    requested_at: datetime
    requested_by: uuid.UUID | None
    expires_at: datetime = Field(description="The link works until then")
    answered_at: datetime | None
    delivery_status: str | None = Field(
        description="Its latest delivery's status (queued, sent, failed, ...)"
    )


class GuardianAnswerRead(ReadModel):
    """The guardian's answer for one channel (recorded by the guardian, never staff)."""

    channel: GuardianChannel
    purpose: Literal["reminders"]
    granted: bool
    contact: str = Field(description="The guardian's e-mail or phone the answer came through")
    via: Literal["link", "unsubscribe", "stop"] = Field(
        description="The consent page, the unsubscribe link of a reminder, or a STOP reply"
    )
    notice_version: str
    recorded_at: datetime


class GuardianConsentState(BaseModel):
    """Whose consent lets a student's reminders go out, and what the guardian answered."""

    student_id: uuid.UUID
    minor: bool = Field(description="Under 18 today (India): the guardian's answer decides")
    policy: Literal["guardian_only"] = Field(
        description="A minor's reminders go out only on channels the guardian granted; the "
        "desk's answer recorded for the student does not count"
    )
    request: GuardianRequestRead | None = Field(description="The latest request, if any")
    answers: list[GuardianAnswerRead]
    resend_available_at: datetime | None = Field(
        description="When the request may be sent again (null: now)"
    )


class MessageConsentWrite(WriteModel):
    channel: Literal["email", "sms", "whatsapp"]
    purpose: Literal["reminders", "promotional"] = Field(
        description="Transactional messages need no consent"
    )
    granted: bool = Field(description="false withdraws an earlier consent")
    notice_version: str = Field(
        min_length=1, max_length=32, description="Which privacy notice the person saw"
    )


class SuppressionRead(ReadModel):
    id: uuid.UUID
    channel: str
    address: str
    reason: str = Field(description="bounce, complaint, stop or manual")
    created_at: datetime


class SuppressionWrite(WriteModel):
    channel: Literal["email", "sms", "whatsapp"]
    address: str = Field(min_length=3, max_length=254)


class CreditBalance(BaseModel):
    balance_paise: int = Field(ge=0, description="Credits free to reserve, in paise")
    currency: Literal["INR"] = "INR"


class MonthlyCreditUsage(BaseModel):
    """The plan's monthly message credits used in the current month (a hard limit)."""

    month: str = Field(description="YYYY-MM, India time", examples=["2026-12"])
    used: int = Field(ge=0, description="paid messages counted this month")
    limit: int | None = Field(description="the plan's monthly message credits; null: unlimited")


class CreditEntryRead(ReadModel):
    id: uuid.UUID
    entry: str = Field(description="grant (+), purchase (+), reserve (-), capture (0), release (+)")
    amount_paise: int = Field(description="Its effect on the balance; the ledger sums to it")
    delivery_id: uuid.UUID | None
    note: str | None
    created_at: datetime


class CreditGrant(WriteModel):
    amount_paise: int = Field(ge=1, le=100_000_000, description="At most ₹10,00,000.00 at once")
    note: str = Field(min_length=1, max_length=200, description="Why: the payment, the order")


class BroadcastAudience(WriteModel):
    """Students chosen by what the other services know (`audience.py`); the choices
    narrow each other. Nothing chosen but the library: its active students."""

    library_id: uuid.UUID | None = Field(
        default=None, description="One branch (none: every branch the caller works at)"
    )
    shift_id: uuid.UUID | None = Field(
        default=None,
        description="A confirmed or active booking in this shift holds a place on some day "
        "of [from_date, to_date] (a full-day booking counts in every shift)",
    )
    booking: Literal["active", "expiring"] | None = Field(
        default=None,
        description="active: a confirmed or active booking holds a place on some day of "
        "[from_date, to_date]; expiring: a paid booking ends within expiring_within_days "
        "and was not renewed",
    )
    from_date: date | None = Field(
        default=None,
        description="With shift_id or booking=active: the first day the broadcast is about "
        "(the library's today or later; default today)",
    )
    to_date: date | None = Field(
        default=None,
        description=f"The last such day (default from_date; at most {MAX_AUDIENCE_DAYS} "
        "days in all)",
    )
    expiring_within_days: int | None = Field(default=None, ge=0, le=MAX_EXPIRING_DAYS)
    with_dues: bool = Field(default=False, description="Money still to pay on an open due")

    @model_validator(mode="after")
    def _days_with_expiring(self) -> BroadcastAudience:
        if (self.booking == "expiring") != (self.expiring_within_days is not None):
            raise ValueError("expiring_within_days goes with booking=expiring, and only with it")
        dated = self.from_date is not None or self.to_date is not None
        if dated and self.shift_id is None and self.booking != "active":
            raise ValueError("from_date and to_date go with shift_id or booking=active")
        if self.to_date is not None:
            if self.from_date is None:
                raise ValueError("to_date goes with from_date")
            if not 0 <= (self.to_date - self.from_date).days < MAX_AUDIENCE_DAYS:
                raise ValueError(
                    f"to_date is on or after from_date, at most {MAX_AUDIENCE_DAYS} days in all"
                )
        return self


class BroadcastRequest(WriteModel):
    student_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_AUDIENCE,
        description=f"The students to tell (at most {MAX_AUDIENCE}), or else an audience",
    )
    audience: BroadcastAudience | None = Field(
        default=None,
        description=f"Chosen by library, shift, booking status or dues (at most {MAX_AUDIENCE} "
        "students: 422 audience_too_large)",
    )
    channel: Literal["email", "sms", "whatsapp"]
    category: Literal["promotional", "reminders"] = Field(
        description="Both need each student's consent for the channel; quiet hours apply"
    )
    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _one_way_of_choosing(self) -> BroadcastRequest:
        if (self.student_ids is None) == (self.audience is None):
            raise ValueError("Give student_ids or an audience, not both")
        return self


class BroadcastQuote(BaseModel):
    chosen: int = Field(
        ge=0, description="Students named or chosen by the audience, before consent and addresses"
    )
    reachable: int = Field(ge=0, description="Students it would be sent to")
    skipped: dict[str, int] = Field(
        description="Students it would not reach, by reason (no_address, no_consent, suppressed)"
    )
    cost_paise: int = Field(ge=0)
    balance_paise: int = Field(ge=0)
    affordable: bool


class BroadcastRead(BaseModel):
    id: uuid.UUID
    channel: str
    category: str
    title: str
    recipients: int
    cost_paise: int
    created_at: datetime
    report: dict[str, int] = Field(
        description="Deliveries by status: queued, sent, delivered, read, failed, skipped, ..."
    )


_Printable = r"^[\x21-\x7e]+$"


class SmtpAccountSave(WriteModel):
    """The business's own SMTP relay for its e-mail. The password is write-only."""

    host: str = Field(
        min_length=1,
        max_length=253,
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9\-.]*[A-Za-z0-9])?$",
        description="A public relay's host name or address (not a local or private one)",
        examples=["smtp.sendgrid.net"],
    )
    port: int = Field(default=587, ge=1, le=65_535)
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls (port 587), tls from the first byte (465)"
    )
    username: str | None = Field(default=None, min_length=1, max_length=254, pattern=_Printable)
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Needed for a new account; left out, the stored one is kept. Never returned.",
    )
    from_address: str = Field(
        min_length=3,
        max_length=200,
        pattern=r"^([^<>\x00-\x1f]{1,100} <[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$",
        description="The sender, `Name <address>` or an address",
        examples=["Lakshya Library <hello@lakshya.in>"],
    )


class Msg91FlowWrite(WriteModel):
    flow_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")
    dlt_template_id: str = Field(pattern=r"^\d{10,25}$")


class Msg91AccountSave(WriteModel):
    """The business's own MSG91 account (its DLT registration). The auth key is write-only."""

    auth_key: str | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        pattern=r"^[A-Za-z0-9]+$",
        description="Needed for a new account; left out, the stored one is kept. Never returned.",
    )
    sender: str = Field(pattern=r"^[A-Z]{6}$", description="The 6-letter DLT sender header")
    entity_id: str = Field(pattern=r"^\d{12,19}$", description="The DLT principal entity id")
    flows: dict[Annotated[str, Field(pattern=r"^[a-z_]{1,48}$")], Msg91FlowWrite] = Field(
        max_length=32,
        description="Message kind → its registered flow and DLT template; a kind left out "
        "cannot go by SMS",
    )


class TwilioAccountSave(WriteModel):
    """The business's own Twilio account for its SMS. The auth token is write-only; it also
    verifies Twilio's callbacks for the business's messages."""

    account_sid: str = Field(pattern=r"^AC[0-9a-f]{32}$", description="The account SID (AC…)")
    auth_token: str | None = Field(
        default=None,
        min_length=32,
        max_length=64,
        pattern=r"^[A-Za-z0-9]+$",
        description="Needed for a new account; left out, the stored one is kept. Never returned.",
    )
    sender: str = Field(
        min_length=3,
        max_length=32,
        pattern=r"^(\+[1-9]\d{7,14}|[A-Za-z0-9]{3,11})$",
        description="The number (E.164) or sender id registered with Twilio",
    )


class WhatsAppAccountSave(WriteModel):
    """The business's own WhatsApp Business number. The tokens are write-only."""

    phone_number_id: str = Field(pattern=r"^\d{5,25}$")
    access_token: str | None = Field(
        default=None,
        min_length=20,
        max_length=1000,
        pattern=_Printable,
        description="Needed for a new account; left out, the stored one is kept. Never returned.",
    )
    app_secret: str | None = Field(
        default=None,
        min_length=8,
        max_length=200,
        pattern=_Printable,
        description="The app secret that signs status callbacks; left out, the stored one stays",
    )


class SenderWebhooks(ReadModel):
    """Where the provider calls back for this account: what the owner pastes into Meta's,
    MSG91's or Twilio's dashboard. The addresses name the account by an opaque random id;
    MSG91's carry the token made for the account, WhatsApp's verify token is beside it
    (made once with the account, shown only to those who manage its sender accounts)."""

    callback_url: str | None = Field(
        default=None,
        description="WhatsApp: the callback URL of the app's webhook (Meta's dashboard)",
    )
    verify_token: str | None = Field(
        default=None, description="WhatsApp: the verify token to enter beside the callback URL"
    )
    delivery_report_url: str | None = Field(
        default=None, description="MSG91: the SMS delivery-report webhook URL (v2 or v3)"
    )
    inbound_url: str | None = Field(
        default=None,
        description="MSG91: the inbound SMS forwarding URL of the virtual number; Twilio: "
        "the number's incoming-message webhook (HTTP POST)",
    )


class SenderAccountRead(ReadModel):
    """A sender account of the business: its settings, and only whether secrets are stored."""

    channel: Literal["email", "sms", "whatsapp"]
    provider: str = Field(description="smtp, msg91, twilio or whatsapp_cloud")
    settings: dict[str, str | int | None] = Field(
        description="What is not secret: host, port, security, username, from_address; "
        "sender, entity_id, flow kinds; account_sid, sender; phone_number_id"
    )
    has_secret: bool
    has_webhook_secret: bool
    webhooks: SenderWebhooks | None = Field(
        description="The addresses to set on the provider's side; null for SMTP, and for a "
        "WhatsApp or MSG91 account saved before they existed (save it again)"
    )
    updated_at: datetime


SenderChannel = Literal["email", "sms", "whatsapp"]


class MessageSettingsWrite(WriteModel):
    fallback_order: list[SenderChannel] = Field(
        min_length=1,
        max_length=3,
        description="Channels in the order a person's messages try them; each at most once",
    )

    @field_validator("fallback_order")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("names a channel twice")
        return value


class MessageSettingsRead(BaseModel):
    fallback_order: list[SenderChannel]
    chosen: bool = Field(description="false: the platform's order is in use")
    configured: list[SenderChannel] = Field(
        description="Channels that can be sent on now (the business's own account or the "
        "platform's); one left out of the order, or not configured, is passed over"
    )


class CreditPacks(BaseModel):
    """What may be bought: a pack, or whole rupees within the limits (GST included), and
    through which of StudySpot's payment accounts."""

    packs_paise: list[int] = Field(description="The packs offered, in paise")
    min_paise: int = Field(ge=100, description="The least amount of the buyer's choosing")
    max_paise: int = Field(ge=100, description="The most amount of the buyer's choosing")
    currency: Literal["INR"] = "INR"
    providers: list[CreditProvider] = Field(
        max_length=2,
        description="The providers StudySpot has an account with, the default first (empty: "
        "credits cannot be bought online now)",
    )


class CreditPurchaseCreate(WriteModel):
    amount_paise: int = Field(
        ge=100,
        le=10_000_000,
        description="A pack of `GET /credits/packs`, or whole rupees within its limits; "
        "the wallet gets this much, and the platform's GST invoice shows the tax within it",
    )
    provider: CreditProvider | None = Field(
        default=None,
        description="Pay through StudySpot's Razorpay or Cashfree account (one of "
        "`GET /credits/packs` `providers`); left out: the first of those",
    )


class CreditPurchaseRead(ReadModel):
    id: uuid.UUID
    amount_paise: int = Field(ge=1)
    status: Literal["ordered", "paid", "abandoned"] = Field(
        description="ordered: waiting for the payment (a failed one stays so, adding "
        "nothing); paid: the credits are in the wallet; abandoned: still unpaid "
        "`MESSAGE_CREDIT_PURCHASE_EXPIRY_HOURS` after it was made (a payment that arrives "
        "after all still makes it paid)"
    )
    provider: CreditProvider
    provider_order_id: str
    provider_payment_id: str | None
    invoice_number: str | None = Field(description="StudySpot's GST invoice, once paid")
    created_at: datetime
    paid_at: datetime | None


class CreditCheckout(CreditPurchaseRead):
    """The purchase and what the provider's checkout opens with: Razorpay Checkout
    (StudySpot's `key_id`, the order) or Cashfree's JS SDK (`cashfree_mode`, the order's
    `payment_session_id`), loaded from `checkout_script_url`."""

    checkout_script_url: str = Field(max_length=500)
    key_id: str | None = Field(max_length=64, description="Razorpay: StudySpot's key id")
    payment_session_id: str | None = Field(
        max_length=500, description="Cashfree: the order's session, for `checkout()`"
    )
    cashfree_mode: Literal["production", "sandbox"] | None = Field(
        description="Cashfree: what its JS SDK is started with"
    )


class CreditCheckoutAnswer(WriteModel):
    """What Razorpay Checkout hands the browser once the payment went through."""

    razorpay_order_id: str = Field(pattern=r"^order_[A-Za-z0-9]{1,40}$")
    razorpay_payment_id: str = Field(pattern=r"^pay_[A-Za-z0-9]{1,40}$")
    razorpay_signature: str = Field(pattern=r"^[0-9a-f]{64}$")
