"""Razorpay through its official SDK (sync, so every call runs in a worker thread).

Orders in paise with our payment id as `receipt`; checkout answers verified
with HMAC-SHA256(`order_id|payment_id`, key secret) against the order id WE
stored; webhooks verified with HMAC-SHA256(raw body, webhook secret) from
`X-Razorpay-Signature` and deduplicated on what that signature covers: the
event and the id of its entity (`payment.captured` of `pay_X`). The
`X-Razorpay-Event-Id` header is not signed, so a replay could change it at will
to pass as a new event, or reuse it to suppress a real one; it is not used.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
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
    LinkRequest,
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


_LINK_DESCRIPTION = re.compile(r"#([A-Za-z0-9]{1,40})")


def link_of_payment(payment: Mapping[str, Any]) -> str | None:
    """The payment link a payment was made through, as Razorpay writes it on the payment.

    A Payment Link's payment (in `payment.captured`, `order.paid`, `payment.failed` and
    refund events) names the order Razorpay made for the link, not the link; its
    `description` is `#` and the link id without `plink_` (Razorpay's documented
    `payment_link.paid` sample: `"description": "#FOGqq3O6E5bkml"` for
    `plink_FOGqq3O6E5bkml`).
    """
    description = payment.get("description")
    if not isinstance(description, str):
        return None
    found = _LINK_DESCRIPTION.fullmatch(description.strip())
    return f"plink_{found.group(1)}" if found else None


def signed_event_key(body: Mapping[str, Any], event_type: str, raw_body: bytes) -> str:
    """The event's identity from the signed body: `<event>:<id of its entity>`.

    Razorpay names the entity in the event (`payment.captured` → payload.payment,
    `order.paid` → payload.order, `refund.processed` → payload.refund), and sends
    each event of an entity once, redeliveries aside. A body without that id is
    keyed by its own digest, which the signature covers too.
    """
    entity_id = _entity(body, event_type.split(".", 1)[0]).get("id")
    if event_type and isinstance(entity_id, str) and entity_id:
        return f"{event_type}:{entity_id}"[:128]
    return "sha256:" + hashlib.sha256(raw_body).hexdigest()


class RazorpayProvider(PaymentProvider):
    name: ClassVar[str] = "razorpay"
    methods: ClassVar[tuple[str, ...]] = ("razorpay",)
    reconcilable: ClassVar[bool] = True
    makes_links: ClassVar[bool] = True

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
        # A link's events carry the order Razorpay made for the link: the link is ours.
        link_id = str(_entity(body, "payment_link").get("id") or "") or None
        return WebhookLocator(
            provider_order_id=link_id
            or str(payment.get("order_id") or order.get("id") or "")
            or None,
            provider_payment_id=str(payment.get("id") or refund.get("payment_id") or "") or None,
            provider_refund_id=str(refund.get("id") or "") or None,
            link_id=None if link_id else link_of_payment(payment),
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
        event_key = signed_event_key(body, event_type, raw_body)
        payment = _entity(body, "payment")
        order = _entity(body, "order")
        refund = _entity(body, "refund")
        order_id = str(payment.get("order_id") or order.get("id") or "") or None
        if event_type.startswith("payment_link."):
            return _link_event(body, event_type, event_key[:128])
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

    async def create_link(self, credentials: Credentials, link: LinkRequest) -> Created:
        client = self._client(credentials)
        order = link.order
        customer = {
            k: v
            for k, v in (
                ("name", order.customer_name),
                ("contact", order.customer_phone),
                ("email", order.customer_email),
            )
            if v
        }
        data = {
            "amount": order.amount_paise,
            "currency": order.currency,
            "accept_partial": False,
            "expire_by": int(link.expires_at.timestamp()),
            "reference_id": order.payment_id.hex,
            "description": link.purpose[:2048],
            "customer": customer,
            # We share the link ourselves (the desk, WhatsApp): Razorpay sends nothing.
            "notify": {"sms": False, "email": False},
            "reminder_enable": False,
            "notes": {
                "payment_id": str(order.payment_id),
                "booking_id": str(order.booking_id),
                "tenant_id": str(order.tenant_id),
            },
        }
        if self.settings.link_callback_url:
            data["callback_url"] = self.settings.link_callback_url
            data["callback_method"] = "get"
        timeout = self.settings.provider_timeout_seconds
        made = await self._call(lambda: client.payment_link.create(data, timeout=timeout))
        if made.get("amount") != order.amount_paise or made.get("currency") != order.currency:
            raise ProviderError("Razorpay answered a payment link for another amount")
        link_id, url = str(made.get("id") or ""), str(made.get("short_url") or "")
        if not link_id or not url.startswith(("https://", "http://")):
            raise ProviderError("Razorpay answered a payment link without its id or URL")
        return Created(
            provider_order_id=link_id,
            checkout={
                "order_id": link_id,
                "link_url": url,
                "link_expires_at": link.expires_at.isoformat(),
            },
        )

    async def cancel_link(self, credentials: Credentials, link_id: str) -> None:
        client = self._client(credentials)
        timeout = self.settings.provider_timeout_seconds
        await self._call(lambda: client.payment_link.cancel(link_id, timeout=timeout))

    async def fetch_link_status(self, credentials: Credentials, link_id: str) -> Settlement:
        client = self._client(credentials)
        timeout = self.settings.provider_timeout_seconds
        found = await self._call(lambda: client.payment_link.fetch(link_id, timeout=timeout))
        return _link_settlement(found)

    async def close(self) -> None:
        self._http.close()


def _link_settlement(
    link: Mapping[str, Any], payment: Mapping[str, Any] | None = None
) -> Settlement:
    """A payment link entity (and, in a webhook, the payment that paid it) as a settlement."""
    status = link.get("status")
    if status == "paid":
        paid = payment or next(
            (
                p
                for p in link.get("payments") or []
                if isinstance(p, dict) and p.get("status") == "captured"
            ),
            {},
        )
        amount = link.get("amount_paid")
        return Settlement(
            outcome="captured",
            provider_payment_id=str(paid.get("id") or paid.get("payment_id") or "") or None,
            amount_paise=amount if isinstance(amount, int) else None,
            currency=str(link.get("currency") or "") or None,
        )
    if status in ("cancelled", "expired"):
        return Settlement(outcome="failed", reason=f"The payment link was {status}")
    return Settlement(outcome="open")


def _link_event(body: Mapping[str, Any], event_type: str, event_key: str) -> WebhookEvent:
    """`payment_link.paid` captures; `.cancelled` and `.expired` fail the payment; the rest
    (`.partially_paid`: our links take no part payments) change nothing."""
    link = _entity(body, "payment_link")
    link_id = str(link.get("id") or "") or None
    payment = _entity(body, "payment")
    settlement = _link_settlement(link, payment or None)
    if event_type == "payment_link.paid" and settlement.outcome == "captured":
        paid_order = str(
            payment.get("order_id")
            or _entity(body, "order").get("id")
            or link.get("order_id")
            or ""
        )
        return WebhookEvent(
            "captured",
            event_key,
            event_type,
            link_id,
            settlement,
            link_order_id=paid_order[:64] or None,
        )
    if event_type in ("payment_link.cancelled", "payment_link.expired"):
        return WebhookEvent("failed", event_key, event_type, link_id, settlement)
    return WebhookEvent("ignored", event_key, event_type, link_id)
