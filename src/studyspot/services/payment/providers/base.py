"""The one interface every payment method implements: create, verify, webhook, refund, fetch status.

A provider is a small class in its own module of this package; the registry
(`providers/__init__.py`) finds it by its `name` and the `methods` it serves,
so adding a provider touches one file. Providers know nothing about the
database: they take and return plain values, and the service applies them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from studyspot.kit.errors import AppError
from studyspot.services.payment.config import PaymentSettings


class ProviderError(AppError):
    """The provider refused or failed; never carries its raw answer (it may echo keys)."""

    status, code = 502, "payment_provider_error"


class SignatureInvalid(Exception):
    """A checkout or webhook signature did not verify, or its timestamp is stale."""


class NotSupported(AppError):
    status, code = 422, "not_supported_by_method"


@dataclass(frozen=True)
class Credentials:
    """A tenant's decrypted keys for one provider; lives only for one call."""

    public_id: str
    secret: str | None = None
    webhook_secret: str | None = None
    display_name: str | None = None

    def __repr__(self) -> str:  # never print a secret by accident
        return f"Credentials(public_id={self.public_id!r}, secret=***)"


@dataclass(frozen=True)
class OrderRequest:
    payment_id: uuid.UUID
    tenant_id: uuid.UUID
    booking_id: uuid.UUID
    amount_paise: int
    currency: str
    customer_id: str
    customer_name: str | None
    customer_phone: str | None
    customer_email: str | None
    note: str


@dataclass(frozen=True)
class LinkRequest:
    """A payment link for `order`'s amount that the student pays on the provider's own page."""

    order: OrderRequest
    expires_at: datetime
    purpose: str


@dataclass(frozen=True)
class Created:
    """What a provider made for a new payment: its order id and what the client needs."""

    provider_order_id: str | None
    checkout: dict[str, Any]
    upi_reference: str | None = None


@dataclass(frozen=True)
class Settlement:
    """A provider's word about a payment: captured (with its id and amount) or failed."""

    outcome: Literal["captured", "failed", "open"]
    provider_payment_id: str | None = None
    amount_paise: int | None = None
    currency: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RefundOutcome:
    provider_refund_id: str | None
    status: Literal["pending", "processed", "failed"]


WebhookKind = Literal["captured", "failed", "refund_processed", "refund_failed", "ignored"]


@dataclass(frozen=True)
class WebhookLocator:
    """Where the unverified body says the money is: used only to find OUR record."""

    provider_order_id: str | None = None
    provider_payment_id: str | None = None
    provider_refund_id: str | None = None
    # The payment link the body says its order was made for (a provider's own order for one
    # of our links): looked up when the order id itself is not ours.
    link_id: str | None = None


@dataclass(frozen=True)
class WebhookEvent:
    kind: WebhookKind
    event_key: str
    event_type: str
    provider_order_id: str | None = None
    settlement: Settlement | None = None
    provider_refund_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # For a link's own event: the order the provider made when the student paid the link,
    # routed to the tenant so that the order's webhooks find the payment too.
    link_order_id: str | None = None


class PaymentProvider:
    """Base: every operation a method does not support answers 422 `not_supported_by_method`."""

    name: ClassVar[str]
    methods: ClassVar[tuple[str, ...]]
    # Whether a tenant must configure an account (keys, VPA) before using it.
    needs_account: ClassVar[bool] = True
    # Captured at once when created (cash at the desk), or later by verification.
    captures_on_create: ClassVar[bool] = False
    # Whether the reconciliation job can ask this provider about an open payment.
    reconcilable: ClassVar[bool] = False
    # Whether it makes payment links (a URL the student pays on the provider's own page).
    makes_links: ClassVar[bool] = False

    def __init__(self, settings: PaymentSettings) -> None:
        self.settings = settings

    async def create(self, credentials: Credentials | None, order: OrderRequest) -> Created:
        raise NotSupported(f"{self.name} payments are not created this way")

    def verify_checkout(
        self, credentials: Credentials, provider_order_id: str, data: Mapping[str, str]
    ) -> str:
        """Check a client's checkout answer; return the provider's payment id."""
        raise NotSupported(f"{self.name} has no checkout to verify")

    def locate(self, raw_body: bytes) -> WebhookLocator:
        raise NotSupported(f"{self.name} sends no webhooks")

    def verify_webhook(
        self, credentials: Credentials, headers: Mapping[str, str], raw_body: bytes, now: float
    ) -> WebhookEvent:
        """Verify the signature over the raw body, then read the event. Raises SignatureInvalid."""
        raise NotSupported(f"{self.name} sends no webhooks")

    async def refund(
        self,
        credentials: Credentials | None,
        *,
        provider_order_id: str | None,
        provider_payment_id: str | None,
        refund_id: uuid.UUID,
        amount_paise: int,
        reason: str,
    ) -> RefundOutcome:
        raise NotSupported(f"{self.name} payments cannot be refunded here")

    async def fetch_status(self, credentials: Credentials, provider_order_id: str) -> Settlement:
        raise NotSupported(f"{self.name} cannot be asked for a payment's status")

    async def create_link(self, credentials: Credentials, link: LinkRequest) -> Created:
        """Make a payment link; `provider_order_id` of the answer is the link's id and the
        checkout carries `link_url` and `link_expires_at`."""
        raise NotSupported(f"{self.name} makes no payment links")

    async def cancel_link(self, credentials: Credentials, link_id: str) -> None:
        """Cancel an unpaid link; the provider refuses (ProviderError) one already paid."""
        raise NotSupported(f"{self.name} makes no payment links")

    async def fetch_link_status(self, credentials: Credentials, link_id: str) -> Settlement:
        """Paid (captured), cancelled or expired (failed), or still open."""
        raise NotSupported(f"{self.name} makes no payment links")

    async def fetch_refund(
        self, credentials: Credentials, provider_order_id: str, provider_refund_id: str
    ) -> RefundOutcome:
        raise NotSupported(f"{self.name} cannot be asked for a refund's status")

    async def close(self) -> None:
        """Release pooled connections."""
