"""StudySpot's own Razorpay account, through the official SDK (sync: each call in a thread).

Razorpay Subscriptions: a Razorpay plan per (our plan version, cycle), made once and
remembered; a Razorpay subscription per tenant, `notes.tenant_id` naming it. Webhooks
are verified with HMAC-SHA256(raw body, webhook secret) from `X-Razorpay-Signature` and
keyed by what the signature covers (the event, the subscription and, for a charge, the
payment), never by the unsigned `X-Razorpay-Event-Id`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
import razorpay
import requests
from razorpay.errors import (
    BadRequestError,
    GatewayError,
    ServerError,
    SignatureVerificationError,
)

from studyspot.kit.errors import AppError
from studyspot.services.subscription.config import SubscriptionSettings

T = TypeVar("T")
_SDK_ERRORS = (BadRequestError, GatewayError, ServerError, requests.RequestException, ValueError)
PERIODS = {
    "monthly": ("monthly", 1),
    "quarterly": ("monthly", 3),
    "half_yearly": ("monthly", 6),
    "annual": ("yearly", 1),
}


class BillingNotConfigured(AppError):
    status, code = 503, "billing_not_configured"

    def __init__(self) -> None:
        super().__init__("Online payment of subscriptions is not configured; pay by invoice")


class BillingFailed(AppError):
    status, code = 502, "billing_provider_failed"


class SignatureInvalid(AppError):
    status, code = 400, "signature_invalid"

    def __init__(self) -> None:
        super().__init__("The webhook signature does not verify")


@dataclass(frozen=True)
class Notice:
    """A verified webhook, reduced to what the lifecycle needs."""

    key: str
    event: str
    provider_subscription_id: str | None
    tenant_id: str | None
    payment_id: str | None
    amount_paise: int | None
    order_id: str | None = None
    # The order's notes as signed (`purpose` tells a credit pack's order from an upgrade's).
    order_notes: Mapping[str, str] | None = None
    order_amount_paise: int | None = None
    # Whose webhook it was: Razorpay's, or Cashfree's (`cashfree.py`, credit orders only).
    provider: str = "razorpay"


def _entity(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    wrapper = (body.get("payload") or {}).get(name)
    entity = wrapper.get("entity") if isinstance(wrapper, dict) else None
    return entity if isinstance(entity, dict) else {}


class RazorpayBilling:
    def __init__(self, config: SubscriptionSettings) -> None:
        self.config = config
        self._http = requests.Session()

    @property
    def configured(self) -> bool:
        c = self.config
        return bool(c.razorpay_key_id and c.razorpay_key_secret and c.razorpay_webhook_secret)

    def _client(self) -> razorpay.Client:
        if not self.configured:
            raise BillingNotConfigured()
        return razorpay.Client(
            session=self._http,
            auth=(self.config.razorpay_key_id, self.config.razorpay_key_secret),
            base_url=self.config.razorpay_base_url,
        )

    async def _call(self, fn: Callable[[razorpay.Client], T]) -> T:
        client = self._client()
        try:
            return await asyncio.to_thread(fn, client)
        except _SDK_ERRORS as exc:
            # Razorpay's description may name our request's fields: keep only the class.
            raise BillingFailed(f"Razorpay refused or failed ({type(exc).__name__})") from exc

    async def create_plan(self, code: str, version: int, name: str, cycle: str, price: int) -> str:
        period, interval = PERIODS[cycle]
        timeout = self.config.razorpay_timeout_seconds
        data = {
            "period": period,
            "interval": interval,
            "item": {"name": f"StudySpot {name} ({cycle})", "amount": price, "currency": "INR"},
            "notes": {"plan_code": code, "plan_version": str(version), "cycle": cycle},
        }
        made = await self._call(lambda c: c.plan.create(data, timeout=timeout))
        return str(made["id"])

    async def create_subscription(
        self, provider_plan_id: str, tenant_id: str, subscription_id: str
    ) -> dict[str, Any]:
        timeout = self.config.razorpay_timeout_seconds
        data = {
            "plan_id": provider_plan_id,
            "total_count": self.config.razorpay_total_count,
            "customer_notify": 1,
            "notes": {"tenant_id": tenant_id, "subscription_id": subscription_id},
        }
        made: dict[str, Any] = await self._call(
            lambda c: c.subscription.create(data, timeout=timeout)
        )
        return made

    async def create_order(self, amount: int, receipt: str, notes: dict[str, str]) -> str:
        """A one-off order (Orders API: amount in paise, INR, receipt ≤ 40 characters)."""
        timeout = self.config.razorpay_timeout_seconds
        data = {"amount": amount, "currency": "INR", "receipt": receipt[:40], "notes": notes}
        made = await self._call(lambda c: c.order.create(data, timeout=timeout))
        return str(made["id"])

    def checkout_signed(self, order_id: str, payment_id: str, signature: str) -> bool:
        """Checkout's answer, HMAC-SHA256(`order_id|payment_id`, key secret), by the SDK."""
        try:
            self._client().utility.verify_payment_signature(
                {
                    "razorpay_order_id": order_id,
                    "razorpay_payment_id": payment_id,
                    "razorpay_signature": signature,
                }
            )
        except SignatureVerificationError:
            return False
        return True

    async def fetch_order(self, order_id: str) -> dict[str, Any]:
        timeout = self.config.razorpay_timeout_seconds
        found: dict[str, Any] = await self._call(lambda c: c.order.fetch(order_id, timeout=timeout))
        return found

    async def fetch_payment(self, payment_id: str) -> dict[str, Any]:
        timeout = self.config.razorpay_timeout_seconds
        found: dict[str, Any] = await self._call(
            lambda c: c.payment.fetch(payment_id, timeout=timeout)
        )
        return found

    async def cancel(self, provider_subscription_id: str) -> None:
        timeout = self.config.razorpay_timeout_seconds
        await self._call(
            lambda c: c.subscription.cancel(
                provider_subscription_id, {"cancel_at_cycle_end": 1}, timeout=timeout
            )
        )

    def verify(self, headers: Mapping[str, str], raw_body: bytes) -> Notice:
        secret = self.config.razorpay_webhook_secret
        signature = headers.get("x-razorpay-signature", "")
        if not secret or not signature:
            raise SignatureInvalid()
        expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise SignatureInvalid()
        try:
            body = orjson.loads(raw_body)
        except orjson.JSONDecodeError as exc:
            raise SignatureInvalid() from exc
        if not isinstance(body, dict):
            raise SignatureInvalid()
        event = str(body.get("event", ""))[:64]
        sub = _entity(body, "subscription")
        payment = _entity(body, "payment")
        sub_id = str(sub.get("id") or "") or None
        payment_id = str(payment.get("id") or "") or None
        notes = sub.get("notes") if isinstance(sub.get("notes"), dict) else {}
        amount = payment.get("amount")
        order_id = str(payment.get("order_id") or "") or None
        order = _entity(body, "order")
        order_notes = order.get("notes") if isinstance(order.get("notes"), dict) else None
        order_amount = order.get("amount")
        # What the signature covers identifies the event: a charge by its payment, any
        # other subscription event by the subscription and the state it reports.
        if payment_id:
            key = f"{event}:{sub_id}:{payment_id}"
        elif sub_id:
            key = f"{event}:{sub_id}:{sub.get('status')}:{sub.get('paid_count')}"
        else:
            key = "sha256:" + hashlib.sha256(raw_body).hexdigest()
        return Notice(
            key=key[:160],
            event=event,
            provider_subscription_id=sub_id,
            tenant_id=str((notes or {}).get("tenant_id") or "") or None,
            payment_id=payment_id,
            amount_paise=amount if isinstance(amount, int) else None,
            order_id=order_id,
            order_notes={str(k): str(v) for k, v in order_notes.items()} if order_notes else None,
            order_amount_paise=order_amount if isinstance(order_amount, int) else None,
        )

    def close(self) -> None:
        self._http.close()
