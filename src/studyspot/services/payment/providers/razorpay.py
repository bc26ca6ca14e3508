"""Razorpay through its official SDK (sync, so every call runs in a worker thread).

Orders in paise with our payment id as `receipt`; checkout answers verified
with HMAC-SHA256(`order_id|payment_id`, key secret) against the order id WE
stored; webhooks verified with HMAC-SHA256(raw body, webhook secret) from
`X-Razorpay-Signature` and deduplicated by `X-Razorpay-Event-Id`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import orjson
import razorpay
import requests
from razorpay.errors import BadRequestError, GatewayError, ServerError, SignatureVerificationError

from studyspot.services.payment.providers.base import (
    Created,
    Credentials,
    OrderRequest,
    PaymentProvider,
    ProviderError,
    RefundOutcome,
    Settlement,
    SignatureInvalid,
    WebhookEvent,
    WebhookLocator,
)

T = TypeVar("T")
_SDK_ERRORS = (BadRequestError, GatewayError, ServerError, requests.RequestException, ValueError)


def _entity(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    payload = body.get("payload")
    if not isinstance(payload, dict):
        return {}
    wrapper = payload.get(name)
    if not isinstance(wrapper, dict):
        return {}
    entity = wrapper.get("entity")
    return entity if isinstance(entity, dict) else {}


def _settlement(payment: Mapping[str, Any]) -> Settlement:
    status = payment.get("status")
    outcome = "captured" if status == "captured" else "failed" if status == "failed" else "open"
    amount = payment.get("amount")
    return Settlement(
        outcome=outcome,  # type: ignore[arg-type]
        provider_payment_id=str(payment["id"]) if payment.get("id") else None,
        amount_paise=amount if isinstance(amount, int) else None,
        currency=str(payment.get("currency") or "") or None,
        reason=str(payment.get("error_description") or "")[:200] or None,
    )


class RazorpayProvider(PaymentProvider):
    name: ClassVar[str] = "razorpay"
    methods: ClassVar[tuple[str, ...]] = ("razorpay",)
    reconcilable: ClassVar[bool] = True

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        # One pooled HTTP session for every tenant: the SDK passes auth per request.
        self._http = requests.Session()

    def _client(self, credentials: Credentials) -> razorpay.Client:
        if not credentials.secret:
            raise ProviderError("Razorpay keys are incomplete", code="provider_not_configured")
        return razorpay.Client(
            session=self._http,
            auth=(credentials.public_id, credentials.secret),
            base_url=self.settings.razorpay_base_url,
        )

    async def _call(self, fn: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(fn)
        except _SDK_ERRORS as exc:
            # The SDK's message is Razorpay's description; keep only its class.
            raise ProviderError(
                f"Razorpay refused or failed the request ({type(exc).__name__})"
            ) from exc

    async def create(self, credentials: Credentials | None, order: OrderRequest) -> Created:
        assert credentials is not None
        client = self._client(credentials)
        data = {
            "amount": order.amount_paise,
            "currency": order.currency,
            "receipt": order.payment_id.hex,
            "notes": {
                "payment_id": str(order.payment_id),
                "booking_id": str(order.booking_id),
                "tenant_id": str(order.tenant_id),
            },
        }
        timeout = self.settings.provider_timeout_seconds
        made = await self._call(lambda: client.order.create(data, timeout=timeout))
        if made.get("amount") != order.amount_paise or made.get("currency") != order.currency:
            raise ProviderError("Razorpay answered an order for another amount")
        order_id = str(made["id"])
        return Created(
            provider_order_id=order_id,
            checkout={
                "key_id": credentials.public_id,
                "order_id": order_id,
                "amount_paise": order.amount_paise,
                "currency": order.currency,
                "name": credentials.display_name or "",
            },
        )

    def verify_checkout(
        self, credentials: Credentials, provider_order_id: str, data: Mapping[str, str]
    ) -> str:
        client = self._client(credentials)
        try:
            client.utility.verify_payment_signature(
                {
                    # Our stored order id, never the one the client sent.
                    "razorpay_order_id": provider_order_id,
                    "razorpay_payment_id": data["razorpay_payment_id"],
                    "razorpay_signature": data["razorpay_signature"],
                }
            )
        except (SignatureVerificationError, KeyError) as exc:
            raise SignatureInvalid("checkout signature") from exc
        return data["razorpay_payment_id"]

    def locate(self, raw_body: bytes) -> WebhookLocator:
        try:
            body = orjson.loads(raw_body)
        except orjson.JSONDecodeError:
            return WebhookLocator()
        if not isinstance(body, dict):
            return WebhookLocator()
        payment = _entity(body, "payment")
        order = _entity(body, "order")
        refund = _entity(body, "refund")
        return WebhookLocator(
            provider_order_id=str(payment.get("order_id") or order.get("id") or "") or None,
            provider_payment_id=str(payment.get("id") or refund.get("payment_id") or "") or None,
            provider_refund_id=str(refund.get("id") or "") or None,
        )

    def verify_webhook(
        self, credentials: Credentials, headers: Mapping[str, str], raw_body: bytes, now: float
    ) -> WebhookEvent:
        signature = headers.get("x-razorpay-signature", "")
        if not credentials.webhook_secret or not signature:
            raise SignatureInvalid("missing signature or secret")
        expected = hmac.new(
            credentials.webhook_secret.encode(), raw_body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise SignatureInvalid("webhook signature")
        body = orjson.loads(raw_body)
        event_type = str(body.get("event", ""))[:64]
        event_key = headers.get("x-razorpay-event-id") or hashlib.sha256(raw_body).hexdigest()
        payment = _entity(body, "payment")
        order = _entity(body, "order")
        refund = _entity(body, "refund")
        order_id = str(payment.get("order_id") or order.get("id") or "") or None
        if event_type in ("payment.captured", "order.paid") and payment:
            settlement = _settlement(payment)
            kind = "captured" if settlement.outcome == "captured" else "ignored"
            return WebhookEvent(kind, event_key[:128], event_type, order_id, settlement)  # type: ignore[arg-type]
        if event_type == "payment.failed" and payment:
            return WebhookEvent(
                "failed", event_key[:128], event_type, order_id, _settlement(payment)
            )
        if event_type in ("refund.processed", "refund.failed") and refund:
            kind = "refund_processed" if event_type == "refund.processed" else "refund_failed"
            return WebhookEvent(
                kind,  # type: ignore[arg-type]
                event_key[:128],
                event_type,
                order_id,
                provider_refund_id=str(refund.get("id")),
            )
        return WebhookEvent("ignored", event_key[:128], event_type or "unknown", order_id)

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
        assert credentials is not None and provider_payment_id is not None
        client = self._client(credentials)
        data = {
            "amount": amount_paise,
            "speed": "normal",
            "receipt": refund_id.hex,
            "notes": {"refund_id": str(refund_id), "reason": reason[:250]},
        }
        timeout = self.settings.provider_timeout_seconds
        made = await self._call(
            lambda: client.payment.refund(provider_payment_id, data, timeout=timeout)
        )
        status = made.get("status")
        return RefundOutcome(
            provider_refund_id=str(made["id"]),
            status="processed"
            if status == "processed"
            else "failed"
            if status == "failed"
            else "pending",
        )

    async def fetch_status(self, credentials: Credentials, provider_order_id: str) -> Settlement:
        client = self._client(credentials)
        timeout = self.settings.provider_timeout_seconds
        found = await self._call(lambda: client.order.payments(provider_order_id, timeout=timeout))
        items = [i for i in found.get("items", []) if isinstance(i, dict)]
        for item in items:
            if item.get("status") == "captured":
                return _settlement(item)
        if items and all(i.get("status") == "failed" for i in items):
            return _settlement(items[-1])
        return Settlement(outcome="open")

    async def fetch_refund(
        self, credentials: Credentials, provider_order_id: str, provider_refund_id: str
    ) -> RefundOutcome:
        client = self._client(credentials)
        timeout = self.settings.provider_timeout_seconds
        found = await self._call(lambda: client.refund.fetch(provider_refund_id, timeout=timeout))
        status = found.get("status")
        return RefundOutcome(
            provider_refund_id=provider_refund_id,
            status="processed"
            if status == "processed"
            else "failed"
            if status == "failed"
            else "pending",
        )

    async def close(self) -> None:
        self._http.close()
