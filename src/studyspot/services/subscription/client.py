"""The subscription service's client: the only module other services import.

StudySpot is the merchant of what it sells to a tenant besides the plan: the message
service's prepaid credits are paid through StudySpot's own Razorpay account and invoiced
with the platform's GST invoices, both of which only this service holds. The message
service keeps the purchase and the wallet; this service makes the Razorpay order, checks
the payment and issues the invoice, and announces the sale (`subscription.credits_purchased`,
`CreditsPurchased`) in the transaction that issued the invoice.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from studyspot.kit.service_client import ServiceClient

# The `plan_code` of a platform invoice for message credits, and the `purpose` in the
# notes of their Razorpay order (an upgrade's order says `upgrade`).
CREDITS_SOLD = "message_credits"
CREDITS_PURCHASED = "subscription.credits_purchased"
# The most one order may be for (Razorpay's Checkout and the invoice are per order).
MAX_CREDIT_ORDER_PAISE = 10_000_000
# The platform's accounts credits may be paid through (the default first, when configured).
CreditProvider = Literal["razorpay", "cashfree"]
CREDIT_PROVIDERS: tuple[CreditProvider, ...] = ("razorpay", "cashfree")


class CreditOrderRequest(BaseModel):
    """`POST /internal/subscriptions/credit-orders`: an order for a credit pack on the
    platform's Razorpay or Cashfree account."""

    tenant_id: uuid.UUID
    purchase_id: uuid.UUID = Field(description="The message service's purchase")
    amount_paise: int = Field(ge=100, le=MAX_CREDIT_ORDER_PAISE, description="GST included")
    provider: CreditProvider | None = Field(
        default=None, description="None: the first of CREDIT_PROVIDERS that is configured"
    )


class CreditOrder(BaseModel):
    provider: CreditProvider = "razorpay"
    provider_order_id: str = Field(max_length=64)
    checkout_script_url: str = Field(max_length=500)
    key_id: str | None = Field(
        default=None, max_length=64, description="StudySpot's Razorpay key id, for Checkout"
    )
    payment_session_id: str | None = Field(
        default=None, max_length=500, description="Cashfree's session, for its JS SDK"
    )
    cashfree_mode: Literal["production", "sandbox"] | None = None


class CreditProviders(BaseModel):
    """`GET /internal/subscriptions/credit-providers`: the accounts configured, default first."""

    providers: list[CreditProvider]


class CreditOrderCheck(BaseModel):
    """`POST /internal/subscriptions/credit-orders/confirm`: a Cashfree checkout ended; the
    order is asked of Cashfree (its checkout hands the browser nothing signed)."""

    tenant_id: uuid.UUID
    purchase_id: uuid.UUID
    provider_order_id: str = Field(pattern=r"^cr_[0-9a-f]{32}$")


class CreditPaymentCheck(BaseModel):
    """`POST /internal/subscriptions/credit-orders/verify`: Checkout's signed answer."""

    tenant_id: uuid.UUID
    purchase_id: uuid.UUID
    provider_order_id: str = Field(pattern=r"^order_[A-Za-z0-9]{1,40}$")
    provider_payment_id: str = Field(pattern=r"^pay_[A-Za-z0-9]{1,40}$")
    signature: str = Field(pattern=r"^[0-9a-f]{64}$")


class CreditsPurchased(BaseModel):
    """Payload of `subscription.credits_purchased` (besides the subscription's state) and
    the verification's answer: the pack was paid and invoiced."""

    purchase_id: uuid.UUID
    provider_order_id: str
    provider_payment_id: str
    amount_paise: int = Field(ge=1)
    invoice_id: uuid.UUID
    invoice_number: str


class SubscriptionClient(ServiceClient):
    service = "subscription"

    async def credit_order(self, order: CreditOrderRequest) -> CreditOrder:
        reply = await self.call(
            "POST",
            "/internal/subscriptions/credit-orders",
            json=order.model_dump(mode="json"),
            tenant_id=order.tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return CreditOrder.model_validate(reply.json())

    async def credit_providers(self, tenant_id: uuid.UUID) -> list[CreditProvider]:
        reply = await self.call(
            "GET", "/internal/subscriptions/credit-providers", tenant_id=tenant_id
        )
        self.raise_for_problem(reply, self.service)
        return CreditProviders.model_validate(reply.json()).providers

    async def credit_confirmed(self, check: CreditOrderCheck) -> CreditsPurchased:
        """A Cashfree order's successful payment for its whole amount, asked of Cashfree:
        the sale, invoiced once. 409 `payment_not_captured` passes through."""
        reply = await self.call(
            "POST",
            "/internal/subscriptions/credit-orders/confirm",
            json=check.model_dump(mode="json"),
            tenant_id=check.tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return CreditsPurchased.model_validate(reply.json())

    async def credit_paid(self, check: CreditPaymentCheck) -> CreditsPurchased:
        """Checkout's answer verified and the payment captured for that order: the sale,
        invoiced once (asked again, or after the webhook, the same sale answers). 400
        `signature_invalid`, 409 `payment_not_captured` pass through."""
        reply = await self.call(
            "POST",
            "/internal/subscriptions/credit-orders/verify",
            json=check.model_dump(mode="json"),
            tenant_id=check.tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return CreditsPurchased.model_validate(reply.json())
