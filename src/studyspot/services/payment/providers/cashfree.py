"""Cashfree Payment Gateway through its documented HTTP API (x-api-version 2023-08-01).

The official Python SDK hard-codes its hosts and keeps credentials on the
class (shared by every tenant), so this module speaks the HTTP API with one
pooled aiohttp session instead (`studyspot.kit.cashfree`, which the platform's own
Cashfree account uses too). Orders are in rupees; our payment id is the
`order_id`. Webhooks are verified as documented (`kit.cashfree.signature_problem`:
`x-webhook-signature` = Base64(HMAC-SHA256(`x-webhook-timestamp` + raw body,
client secret)), timestamps outside the tolerance refused), and deduplicated
by `cf_payment_id` (`cf_refund_id` for refunds).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

import orjson

from studyspot.kit.cashfree import (
    Account,
    CashfreeApi,
    CashfreeFailed,
    signature_problem,
    to_paise,
    to_rupees,
)
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


def order_id_for(payment_id: uuid.UUID) -> str:
    return "ss_" + payment_id.hex  # 35 characters of [a-z0-9_], within Cashfree's 45


def link_id_for(payment_id: uuid.UUID) -> str:
    return "sl_" + payment_id.hex  # 35 characters, within a link id's 50


def _customer(order: OrderRequest, *, with_id: bool) -> dict[str, Any]:
    customer: dict[str, Any] = {
        # Cashfree requires a phone; a student without one gets a placeholder it accepts.
        "customer_phone": (order.customer_phone or "9999999999").removeprefix("+91"),
    }
    if with_id:
        customer["customer_id"] = order.customer_id
    if order.customer_name:
        customer["customer_name"] = order.customer_name
    if order.customer_email:
        customer["customer_email"] = order.customer_email
    return customer


def link_of_order(order: Mapping[str, Any]) -> str | None:
    """The payment link an order was made for: Cashfree makes an order (`CFPay_…`) when a
    link is paid and tags it with the link's id (`order_tags.link_id`), which its
    `PAYMENT_SUCCESS_WEBHOOK` / `PAYMENT_FAILED_WEBHOOK` carry."""
    tags = order.get("order_tags")
    link_id = tags.get("link_id") if isinstance(tags, dict) else None
    return link_id[:64] if isinstance(link_id, str) and link_id else None


def _link_settlement(link: Mapping[str, Any]) -> Settlement:
    """A link entity (API answer or webhook `data`): PAID captures, CANCELLED/EXPIRED fail."""
    status = link.get("link_status")
    if status == "PAID":
        order = link.get("order") if isinstance(link.get("order"), dict) else {}
        transaction = order.get("transaction_id") if order else None
        return Settlement(
            outcome="captured",
            provider_payment_id=str(transaction) if transaction is not None else None,
            amount_paise=to_paise(link.get("link_amount_paid")),
            currency=str(link.get("link_currency") or "") or None,
        )
    if status in ("CANCELLED", "EXPIRED"):
        return Settlement(outcome="failed", reason=f"The payment link was {status.lower()}")
    return Settlement(outcome="open")


def _settlement(payment: Mapping[str, Any]) -> Settlement:
    status = payment.get("payment_status")
    outcome = (
        "captured"
        if status == "SUCCESS"
        else "failed"
        if status in ("FAILED", "USER_DROPPED", "CANCELLED", "VOID")
        else "open"
    )
    cf_id = payment.get("cf_payment_id")
    return Settlement(
        outcome=outcome,  # type: ignore[arg-type]
        provider_payment_id=str(cf_id) if cf_id is not None else None,
        amount_paise=to_paise(payment.get("payment_amount")),
        currency=str(payment.get("payment_currency") or "") or None,
        reason=str(payment.get("payment_message") or "")[:200] or None,
    )


def _refund_status(value: Any) -> str:
    if value == "SUCCESS":
        return "processed"
    if value in ("CANCELLED", "FAILED"):
        return "failed"
    return "pending"


class CashfreeProvider(PaymentProvider):
    name: ClassVar[str] = "cashfree"
    methods: ClassVar[tuple[str, ...]] = ("cashfree",)
    reconcilable: ClassVar[bool] = True
    makes_links: ClassVar[bool] = True

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self._api = CashfreeApi(settings.provider_timeout_seconds)

    async def _request(
        self,
        credentials: Credentials,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        if not credentials.secret:
            raise ProviderError("Cashfree keys are incomplete", code="provider_not_configured")
        account = Account(
            self.settings.cashfree_base_url,
            self.settings.cashfree_api_version,
            credentials.public_id,
            credentials.secret,
        )
        try:
            return await self._api.request(
                account, method, path, body=body, idempotency_key=idempotency_key
            )
        except CashfreeFailed as exc:
            raise ProviderError(str(exc)) from exc

    async def create(self, credentials: Credentials | None, order: OrderRequest) -> Created:
        assert credentials is not None
        order_id = order_id_for(order.payment_id)
        customer = _customer(order, with_id=True)
        made = await self._request(
            credentials,
            "POST",
            "/orders",
            body={
                "order_id": order_id,
                "order_amount": to_rupees(order.amount_paise),
                "order_currency": order.currency,
                "customer_details": customer,
                "order_note": order.note[:200],
                "order_tags": {
                    "payment_id": str(order.payment_id),
                    "booking_id": str(order.booking_id),
                },
            },
            idempotency_key=str(order.payment_id),
        )
        if to_paise(made.get("order_amount")) != order.amount_paise:
            raise ProviderError("Cashfree answered an order for another amount")
        return Created(
            provider_order_id=order_id,
            checkout={
                "order_id": order_id,
                "payment_session_id": str(made.get("payment_session_id", "")),
                "amount_paise": order.amount_paise,
                "currency": order.currency,
            },
        )

    def locate(self, raw_body: bytes) -> WebhookLocator:
        try:
            body = orjson.loads(raw_body)
        except orjson.JSONDecodeError:
            return WebhookLocator()
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            return WebhookLocator()
        order: dict[str, Any] = data["order"] if isinstance(data.get("order"), dict) else {}
        refund: dict[str, Any] = data["refund"] if isinstance(data.get("refund"), dict) else {}
        payment: dict[str, Any] = data["payment"] if isinstance(data.get("payment"), dict) else {}
        # A link's event names the order Cashfree made for it; the link id is ours.
        order_id = data.get("link_id") or order.get("order_id") or refund.get("order_id")
        paid_by = payment.get("cf_payment_id") or refund.get("cf_payment_id")
        return WebhookLocator(
            provider_order_id=str(order_id) if order_id else None,
            provider_payment_id=str(paid_by) if paid_by is not None else None,
            provider_refund_id=str(refund["cf_refund_id"]) if refund.get("cf_refund_id") else None,
            link_id=None if data.get("link_id") else link_of_order(order),
        )

    def verify_webhook(
        self, credentials: Credentials, headers: Mapping[str, str], raw_body: bytes, now: float
    ) -> WebhookEvent:
        problem = signature_problem(
            credentials.secret, headers, raw_body, now, self.settings.webhook_tolerance_seconds
        )
        if problem:
            raise SignatureInvalid(problem)
        body = orjson.loads(raw_body)
        event_type = str(body.get("type", ""))[:64]
        data = body.get("data") or {}
        if event_type == "PAYMENT_LINK_EVENT" and data.get("link_id"):
            link_id = str(data["link_id"])
            settlement = _link_settlement(data)
            kind = {"captured": "captured", "failed": "failed"}.get(settlement.outcome, "ignored")
            key = f"link:{link_id}:{data.get('link_status')}"
            paid_order: dict[str, Any] = (
                data["order"] if isinstance(data.get("order"), dict) else {}
            )
            return WebhookEvent(
                kind,  # type: ignore[arg-type]
                key[:128],
                event_type,
                link_id,
                settlement,
                link_order_id=str(paid_order.get("order_id") or "")[:64] or None,
            )
        order = data.get("order") or {}
        order_id = str(order.get("order_id") or "") or None
        payment = data.get("payment") or {}
        if (
            event_type
            in ("PAYMENT_SUCCESS_WEBHOOK", "PAYMENT_FAILED_WEBHOOK", "PAYMENT_USER_DROPPED_WEBHOOK")
            and payment
        ):
            settlement = _settlement(payment)
            key = f"payment:{payment.get('cf_payment_id')}"
            kind = {"captured": "captured", "failed": "failed"}.get(settlement.outcome, "ignored")
            return WebhookEvent(kind, key[:128], event_type, order_id, settlement)  # type: ignore[arg-type]
        refund = data.get("refund") or {}
        if event_type == "REFUND_STATUS_WEBHOOK" and refund:
            status = _refund_status(refund.get("refund_status"))
            kind = {"processed": "refund_processed", "failed": "refund_failed"}.get(
                status, "ignored"
            )
            return WebhookEvent(
                kind,  # type: ignore[arg-type]
                f"refund:{refund.get('cf_refund_id')}"[:128],
                event_type,
                str(refund.get("order_id") or "") or None,
                provider_refund_id=str(refund.get("cf_refund_id")),
                extra={"refund_id": str(refund.get("refund_id") or "")},
            )
        return WebhookEvent(
            "ignored", hashlib.sha256(raw_body).hexdigest(), event_type or "unknown", order_id
        )

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
        assert credentials is not None and provider_order_id is not None
        order_id = await self._paid_order(credentials, provider_order_id)
        made = await self._request(
            credentials,
            "POST",
            f"/orders/{order_id}/refunds",
            body={
                "refund_amount": to_rupees(amount_paise),
                "refund_id": "rf_" + refund_id.hex,
                "refund_note": reason[:100],
            },
            idempotency_key=str(refund_id),
        )
        return RefundOutcome(
            provider_refund_id=str(made.get("cf_refund_id")),
            status=_refund_status(made.get("refund_status")),  # type: ignore[arg-type]
        )

    async def fetch_status(self, credentials: Credentials, provider_order_id: str) -> Settlement:
        found = await self._request(credentials, "GET", f"/orders/{provider_order_id}/payments")
        items = [p for p in found or [] if isinstance(p, dict)]
        for item in items:
            if item.get("payment_status") == "SUCCESS":
                return _settlement(item)
        order = await self._request(credentials, "GET", f"/orders/{provider_order_id}")
        if order and order.get("order_status") in ("EXPIRED", "TERMINATED") and items:
            return _settlement(items[-1])
        return Settlement(outcome="open")

    async def fetch_refund(
        self, credentials: Credentials, provider_order_id: str, provider_refund_id: str
    ) -> RefundOutcome:
        order_id = await self._paid_order(credentials, provider_order_id)
        found = await self._request(credentials, "GET", f"/orders/{order_id}/refunds")
        for item in found or []:
            if str(item.get("cf_refund_id")) == provider_refund_id:
                return RefundOutcome(provider_refund_id, _refund_status(item.get("refund_status")))  # type: ignore[arg-type]
        return RefundOutcome(provider_refund_id, "pending")

    async def create_link(self, credentials: Credentials, link: LinkRequest) -> Created:
        order = link.order
        link_id = link_id_for(order.payment_id)
        body: dict[str, Any] = {
            "link_id": link_id,
            "link_amount": to_rupees(order.amount_paise),
            "link_currency": order.currency,
            "link_purpose": link.purpose[:500],
            "customer_details": _customer(order, with_id=False),
            "link_partial_payments": False,
            "link_expiry_time": link.expires_at.isoformat(timespec="seconds"),
            # We share the link ourselves (the desk, WhatsApp): Cashfree sends nothing.
            "link_notify": {"send_sms": False, "send_email": False},
            "link_auto_reminders": False,
            "link_notes": {
                "payment_id": str(order.payment_id),
                "booking_id": str(order.booking_id),
            },
        }
        if self.settings.link_callback_url:
            body["link_meta"] = {"return_url": self.settings.link_callback_url}
        made = await self._request(
            credentials, "POST", "/links", body=body, idempotency_key=link_id
        )
        url = str(made.get("link_url") or "")
        if to_paise(made.get("link_amount")) != order.amount_paise:
            raise ProviderError("Cashfree answered a payment link for another amount")
        if not url.startswith(("https://", "http://")):
            raise ProviderError("Cashfree answered a payment link without its URL")
        return Created(
            provider_order_id=link_id,
            checkout={
                "order_id": link_id,
                "link_url": url,
                "link_expires_at": link.expires_at.isoformat(),
            },
        )

    async def _paid_order(self, credentials: Credentials, provider_order_id: str) -> str:
        """The order a refund goes to: ours, or for a link the order Cashfree made when the
        student paid it (`GET /links/{link_id}/orders`)."""
        if not provider_order_id.startswith("sl_"):
            return provider_order_id
        orders = await self._request(credentials, "GET", f"/links/{provider_order_id}/orders")
        for item in orders or []:
            if isinstance(item, dict) and item.get("order_status") == "PAID":
                return str(item["order_id"])
        raise ProviderError("Cashfree has no paid order for this payment link")

    async def cancel_link(self, credentials: Credentials, link_id: str) -> None:
        await self._request(credentials, "POST", f"/links/{link_id}/cancel")

    async def fetch_link_status(self, credentials: Credentials, link_id: str) -> Settlement:
        return _link_settlement(await self._request(credentials, "GET", f"/links/{link_id}") or {})

    async def close(self) -> None:
        await self._api.close()
