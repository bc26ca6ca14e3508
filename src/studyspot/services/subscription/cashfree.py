"""StudySpot's own Cashfree account, beside its Razorpay one, for what the platform sells
besides plans (message credits): Cashfree's PG API through `studyspot.kit.cashfree`, the
same client and webhook verification the payment service uses for tenants' accounts.

An order is made with an idempotency key (a retry answers the same order) and tagged
(`order_tags`) with what it is for; Cashfree's JS SDK opens its checkout on the order's
`payment_session_id`. A webhook is verified (`x-webhook-signature` over the timestamp and
the raw body, under the client secret; a stale timestamp refused) and reduced to the same
`Notice` as Razorpay's, keyed by what the signature covers: the event and Cashfree's
payment id.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any

import orjson

from studyspot.kit.cashfree import (
    Account,
    CashfreeApi,
    CashfreeFailed,
    signature_problem,
    to_paise,
    to_rupees,
)
from studyspot.services.subscription.billing import (
    BillingFailed,
    BillingNotConfigured,
    Notice,
    SignatureInvalid,
)
from studyspot.services.subscription.config import SubscriptionSettings

PROVIDER = "cashfree"
# The event that says a payment of an order succeeded (API version 2023-08-01).
PAYMENT_SUCCESS = "PAYMENT_SUCCESS_WEBHOOK"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class CashfreeBilling:
    def __init__(self, config: SubscriptionSettings) -> None:
        self.config = config
        self._api = CashfreeApi(config.cashfree_timeout_seconds)

    @property
    def configured(self) -> bool:
        return bool(self.config.cashfree_client_id and self.config.cashfree_client_secret)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        c = self.config
        if not self.configured:
            raise BillingNotConfigured()
        account = Account(
            c.cashfree_base_url, c.cashfree_api_version, c.cashfree_client_id,
            c.cashfree_client_secret,
        )  # fmt: skip
        try:
            return await self._api.request(
                account, method, path, body=body, idempotency_key=idempotency_key
            )
        except CashfreeFailed as exc:
            raise BillingFailed(str(exc)) from exc

    async def create_order(
        self, order_id: str, amount: int, customer_id: str, tags: dict[str, str], note: str
    ) -> str:
        """A one-off order (amount in rupees, INR; `order_id` ≤ 45 characters, also the
        idempotency key); Cashfree's answer must be for `amount`. Its payment session id."""
        made = _dict(
            await self._call(
                "POST",
                "/orders",
                body={
                    "order_id": order_id,
                    "order_amount": to_rupees(amount),
                    "order_currency": "INR",
                    # Cashfree requires a phone; the platform's buyer is a business whose
                    # console pays, so Cashfree's checkout asks the payer for the rest.
                    "customer_details": {
                        "customer_id": customer_id,
                        "customer_phone": "9999999999",
                    },
                    "order_note": note[:200],
                    "order_tags": tags,
                },
                idempotency_key=order_id,
            )
        )
        session = made.get("payment_session_id")
        if to_paise(made.get("order_amount")) != amount or not isinstance(session, str):
            raise BillingFailed("Cashfree answered an order for another amount")
        return session

    async def order_paid(self, order_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The order as Cashfree has it, and its successful payment if there is one."""
        order = _dict(await self._call("GET", f"/orders/{order_id}"))
        found = await self._call("GET", f"/orders/{order_id}/payments")
        paid = [
            p
            for p in (found if isinstance(found, list) else [])
            if isinstance(p, dict) and p.get("payment_status") == "SUCCESS"
        ]
        return order, (paid[0] if paid else None)

    def verify(self, headers: Mapping[str, str], raw_body: bytes) -> Notice:
        """A signed webhook as a `Notice`; SignatureInvalid (400) for anything else."""
        problem = signature_problem(
            self.config.cashfree_client_secret,
            headers,
            raw_body,
            time.time(),
            self.config.cashfree_webhook_tolerance_seconds,
        )
        if problem:
            raise SignatureInvalid()
        try:
            body = orjson.loads(raw_body)
        except orjson.JSONDecodeError as exc:
            raise SignatureInvalid() from exc
        body = _dict(body)
        event = str(body.get("type", ""))[:64]
        data = _dict(body.get("data"))
        order, payment = _dict(data.get("order")), _dict(data.get("payment"))
        cf_payment = payment.get("cf_payment_id")
        payment_id = str(cf_payment) if cf_payment is not None else None
        tags = order.get("order_tags")
        if payment_id:
            key = f"cashfree:{event}:{payment_id}"
        else:
            key = "cashfree:sha256:" + hashlib.sha256(raw_body).hexdigest()
        return Notice(
            key=key[:160],
            event=event,
            provider_subscription_id=None,
            tenant_id=None,
            payment_id=payment_id,
            # Only a successful payment is money received.
            amount_paise=to_paise(payment.get("payment_amount"))
            if payment.get("payment_status") == "SUCCESS"
            else None,
            order_id=str(order.get("order_id") or "") or None,
            order_notes={str(k): str(v) for k, v in tags.items()}
            if isinstance(tags, dict)
            else None,
            order_amount_paise=to_paise(order.get("order_amount")),
            provider=PROVIDER,
        )

    async def close(self) -> None:
        await self._api.close()
