"""The tables the message service owns.

A delivery is one message to one recipient over one channel. It is written by
an event consumer in the event's own transaction, unique per (tenant, event,
recipient, channel), and sent later by the dispatcher (`dispatch.py`), which
never holds a transaction while it talks to a provider.

Reset and invite links of platform users (no tenant) live in the core database
(`message_platform_deliveries`), those of a tenant's users in its tenant
database: both tables have the same columns (`_DeliveryColumns`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from studyspot.kit.models import (
    CoreBase,
    IdMixin,
    TenantBase,
    TenantMixin,
    TimestampMixin,
    UTCDateTime,
)


class Channel(StrEnum):
    email = "email"
    sms = "sms"
    whatsapp = "whatsapp"


class DeliveryStatus(StrEnum):
    queued = "queued"  # waiting for its time (first send or a retry)
    sending = "sending"  # claimed by a dispatcher until next_attempt_at (its lease)
    sent = "sent"  # the provider accepted it
    failed = "failed"  # refused for good (bad address, no channel configured)
    dead = "dead"  # every attempt failed
    expired = "expired"  # what it carried (a link) ran out before it could be sent
    skipped = "skipped"  # not to be sent: no consent, or the address is suppressed
    delivered = "delivered"  # the provider reported it reached the phone
    read = "read"  # the provider reported it was read


# States a dispatcher may still take.
PENDING = (DeliveryStatus.queued, DeliveryStatus.sending)


class _DeliveryColumns(IdMixin, TimestampMixin):
    # The event that asked for it (None for messages not caused by an event).
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    kind: Mapped[str] = mapped_column(String(48), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    recipient: Mapped[str] = mapped_column(String(254), nullable=False)
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="en")
    # What the template needs, never a secret.
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    # A link's secret exactly as auth sealed it (LinkBox): opened only to send.
    sealed_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Nothing is sent after this moment (a link that no longer works).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Queued: not before this. Sending: the claim's lease runs out at this moment.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    provider: Mapped[str | None] = mapped_column(String(32), nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # A stable code of the last failure (never a provider's raw answer).
    last_error: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Delivery(_DeliveryColumns, TenantMixin, TenantBase):
    __tablename__ = "message_deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "recipient", "channel"),
        Index(None, "tenant_id", "status", "next_attempt_at"),
        Index(None, "tenant_id", "created_at"),
    )

    # The channels still to try, in order, if this one fails for good: [[channel, address]].
    fallbacks: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    # Credits reserved for it (paid channels), once taken for sending.
    cost_paise: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DeliveryEvent(IdMixin, TenantMixin, TenantBase):
    """What a provider reported about a delivery (delivered, read, failed). Append-only,
    one row per state: a callback sent twice is counted once."""

    __tablename__ = "message_delivery_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "delivery_id", "state"),
        Index(None, "tenant_id", "delivery_id"),
    )

    delivery_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    provider_message_id: Mapped[str] = mapped_column(String(200), nullable=False)
    code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PlatformDelivery(_DeliveryColumns, CoreBase):
    __tablename__ = "message_platform_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "recipient", "channel"),
        Index(None, "status", "next_attempt_at"),
    )


AnyDelivery = Delivery | PlatformDelivery


class Notification(IdMixin, TenantMixin, TenantBase):
    """One thing a user is told, shown in their in-app feed (and fanned out to channels).

    Title and body are rendered when the notification is made, so the feed keeps
    showing what was said even if the wording changes later.
    """

    __tablename__ = "message_notifications"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "user_id", "kind"),
        Index(None, "tenant_id", "user_id", "created_at"),
        Index(None, "tenant_id", "user_id", "read_at"),
        Index(None, "tenant_id", "fanned_out_at"),
    )

    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    kind: Mapped[str] = mapped_column(String(48), nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False)
    # The user it is for, as their token names them (a student's user id is the student id).
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    user_type: Mapped[str] = mapped_column(String(32), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # When its deliveries over the other channels were made (None: still to do).
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Preference(IdMixin, TenantMixin, TenantBase):
    """A user's own choices about messages: the language they are written in."""

    __tablename__ = "message_preferences"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class TemplateOverride(IdMixin, TenantMixin, TenantBase):
    """An owner's own wording of one kind of message, for one channel and language."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "channel", "language"),)

    kind: Mapped[str] = mapped_column(String(48), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    updated_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Consent(IdMixin, TenantMixin, TenantBase):
    """Whether a person agreed to be sent messages of one purpose over one channel.

    The current answer per (user, channel, purpose); every change is also an
    audit row (who recorded it, under which notice version, when).
    """

    __tablename__ = "message_consents"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "channel", "purpose"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    granted: Mapped[bool] = mapped_column(nullable=False)
    notice_version: Mapped[str] = mapped_column(String(32), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    recorded_by_type: Mapped[str] = mapped_column(String(32), nullable=False)


class Suppression(IdMixin, TenantMixin, TenantBase):
    """An address nothing more is sent to: it bounced, complained, or was stopped."""

    __tablename__ = "message_suppressions"
    __table_args__ = (UniqueConstraint("tenant_id", "channel", "address"),)

    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    address: Mapped[str] = mapped_column(String(254), nullable=False)
    reason: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class CreditAccount(IdMixin, TenantMixin, TenantBase):
    """A tenant's credits for the paid channels (SMS, WhatsApp), in paise.

    `balance_paise` is what is free to reserve; it changes only by a conditional
    UPDATE that cannot take it below zero, and every change has its ledger entry.
    """

    __tablename__ = "message_credit_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("balance_paise >= 0", name="not_overdrawn"),
    )

    balance_paise: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class CreditEntry(IdMixin, TenantMixin, TenantBase):
    """One line of the append-only credits ledger: its amounts sum to the balance.

    grant (+), reserve (-) when a paid message is taken for sending, capture (0: the
    reservation was spent) when the provider accepted it, release (+) when it failed.
    """

    __tablename__ = "message_credit_entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "delivery_id", "entry"),
        Index(None, "tenant_id", "created_at"),
    )

    entry: Mapped[str] = mapped_column(String(16), nullable=False)
    amount_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    delivery_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class CreditMonth(IdMixin, TenantMixin, TenantBase):
    """Paid messages taken for sending in one month (India time) against the plan's
    monthly message credits (a hard limit, kit/entitlements.py).

    `used` only grows, by a conditional UPDATE (`used + n <= limit`), so concurrent
    senders can never pass the limit; one credit is one message that costs the platform
    money (SMS or WhatsApp through its accounts).
    """

    __tablename__ = "message_credit_months"
    __table_args__ = (UniqueConstraint("tenant_id", "month"),)

    month: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM, India time
    used: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Broadcast(IdMixin, TenantMixin, TenantBase):
    """One announcement to chosen students over one channel. Its deliveries carry its id
    as their event id, so each student gets it once and the report counts them."""

    __tablename__ = "message_broadcasts"
    __table_args__ = (Index(None, "tenant_id", "created_at"),)

    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    recipients: Mapped[int] = mapped_column(Integer, nullable=False)
    cost_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    # The home branches of the students it went to (as strings): a manager reads its report
    # only when every one of them is theirs; empty (none reached, or made before branches
    # were recorded) leaves it to the owners.
    library_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ReminderRun(IdMixin, TenantMixin, TenantBase):
    """The fee reminders of one tenant for one day (India time) were made: asked once a day."""

    __tablename__ = "message_reminder_runs"
    __table_args__ = (UniqueConstraint("tenant_id", "day"),)

    day: Mapped[date] = mapped_column(Date, nullable=False)
    reminders: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class SenderAccount(IdMixin, TenantMixin, TimestampMixin, TenantBase):
    """A tenant's own account with a provider, used instead of the platform's for a channel.

    `settings` holds what is not secret (relay host, DLT sender, phone number id…);
    the secret (SMTP password, MSG91 auth key, WhatsApp access token) and the WhatsApp
    app secret only as ciphertext under the kit's SecretBox, bound to
    `message:<tenant>:<channel>:<field>` (`senders.py`).
    """

    __tablename__ = "message_sender_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "channel"),
        CheckConstraint("channel IN ('email', 'sms', 'whatsapp')", name="channel"),
    )

    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    secret_ciphertext: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    webhook_secret_ciphertext: Mapped[str | None] = mapped_column(String(600), nullable=True)
    # The account's own webhook address (WhatsApp, MSG91): an opaque random id in the URL
    # (`message_webhook_routes` in the core database says whose it is) and the token we
    # made for it (WhatsApp's verify token, MSG91's URL token), sealed like the secrets.
    webhook_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    webhook_token_ciphertext: Mapped[str | None] = mapped_column(String(600), nullable=True)


class WebhookRoute(CoreBase):
    """Whose sender account a webhook address names: provider callbacks carry no tenant
    and no user token, only the opaque id of the URL we gave the business to paste into
    the provider's dashboard. Kept in the core database so that it finds a tenant wherever
    its database is; it holds ids only, and the callback is then checked against the
    tenant's own account (the same id, its own secret or token)."""

    __tablename__ = "message_webhook_routes"

    webhook_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class TenantMessageSettings(IdMixin, TenantMixin, TenantBase):
    """A business's own choices for its messages: the order channels are tried in."""

    __tablename__ = "message_tenant_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    fallback_order: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class CreditPurchase(IdMixin, TenantMixin, TenantBase):
    """Credits a tenant buys from StudySpot: a Razorpay or Cashfree order on the platform's
    account (the subscription service is the platform's merchant), `ordered` until the
    payment is known captured, then `paid` with the platform GST invoice's number. The
    wallet's `purchase` entry names the purchase (`delivery_id`), so it is written once.
    A payment that failed leaves it `ordered`: nothing was added. Still `ordered` past
    `MESSAGE_CREDIT_PURCHASE_EXPIRY_HOURS`, it is `abandoned`; a payment received for it
    after all still makes it `paid`."""

    __tablename__ = "message_credit_purchases"
    __table_args__ = (
        UniqueConstraint("provider_order_id"),
        Index(None, "tenant_id", "created_at"),
    )

    amount_paise: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    provider_order_id: Mapped[str] = mapped_column(String(64), nullable=False)
    provider_payment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    invoice_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class GuardianRequest(IdMixin, TenantMixin, TenantBase):
    """A consent request sent to a minor's guardian (`guardians.py`): one per (tenant,
    event, student), the event the student service announced or the desk's resend. The
    link it carries names this row; the contact is where it went."""

    __tablename__ = "message_guardian_requests"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "student_id"),
        Index(None, "tenant_id", "student_id", "requested_at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    # admitted, guardian_changed, consent_recorded, resend
    reason: Mapped[str] = mapped_column(String(24), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    contact: Mapped[str] = mapped_column(String(254), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class GuardianConsent(IdMixin, TenantMixin, TenantBase):
    """A guardian's answer about a minor's messages of one purpose on one channel: the
    only consent that lets reminders reach a student under 18. Kept apart from
    `message_consents`, where the desk's answer for the student stays as it was recorded."""

    __tablename__ = "message_guardian_consents"
    __table_args__ = (
        # Named: the convention's name would pass PostgreSQL's 63 characters.
        UniqueConstraint(
            "tenant_id", "student_id", "channel", "purpose", name="uq_message_guardian_answer"
        ),
    )

    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    granted: Mapped[bool] = mapped_column(nullable=False)
    # The guardian's e-mail or phone the answer came through (the link's, or the number
    # that replied STOP).
    contact: Mapped[str] = mapped_column(String(254), nullable=False)
    # link (the consent page), unsubscribe (the link in a reminder), stop (a STOP reply)
    via: Mapped[str] = mapped_column(String(16), nullable=False)
    notice_version: Mapped[str] = mapped_column(String(32), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    request_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
