"""A local Razorpay: the parts of its HTTP API v1 the payment service uses, signing as Razorpay does.

Implemented from Razorpay's documentation: HTTP Basic auth with key id and
key secret; `POST /v1/orders` (amount in paise ≥ 100, currency, receipt ≤ 40
characters, notes ≤ 15 keys) → order entity; `GET /v1/orders/{id}`,
`GET /v1/orders/{id}/payments` (a collection); `GET /v1/payments/{id}`;
`POST /v1/payments/{id}/refund` → refund entity; `GET /v1/refunds/{id}`.
Errors are `{"error": {"code": "BAD_REQUEST_ERROR", "description": ...}}`.

Checkout and webhooks are test controls: `checkout()` plays the student paying
(and returns what Razorpay Checkout hands the browser, signed with
HMAC-SHA256(`order_id|payment_id`, key secret)); `webhook()` builds an event
body as Razorpay sends it, signed with HMAC-SHA256(raw body, webhook secret)
in `X-Razorpay-Signature`, with a fresh `X-Razorpay-Event-Id`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from tests.fakes.server import LocalServer

_ALNUM = string.ascii_letters + string.digits


def rzp_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALNUM) for _ in range(14))


def key_pair() -> tuple[str, str]:
    """A key id and secret in Razorpay's shapes (`rzp_test_` + 14, 24 alphanumerics)."""
    return rzp_id("rzp_test"), "".join(secrets.choice(_ALNUM) for _ in range(24))


@dataclass
class _Account:
    key_id: str
    key_secret: str
    webhook_secret: str
    account_id: str = field(default_factory=lambda: rzp_id("acc"))


def _error(status: int, description: str, code: str = "BAD_REQUEST_ERROR") -> web.Response:
    body = {
        "error": {
            "code": code,
            "description": description,
            "source": "business",
            "step": "payment_initiation",
            "reason": "input_validation_failed",
            "metadata": {},
        }
    }
    return web.json_response(body, status=status)


class FakeRazorpay:
    def __init__(self) -> None:
        self.accounts: dict[str, _Account] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.order_owner: dict[str, str] = {}  # order id → key id that made it
        self.calls: list[tuple[str, str, str]] = []  # (key id, method, path)
        self.refund_status = "pending"
        app = web.Application()
        app.router.add_post("/v1/orders", self._create_order)
        app.router.add_get("/v1/orders/{id}", self._get_order)
        app.router.add_get("/v1/orders/{id}/payments", self._order_payments)
        app.router.add_get("/v1/payments/{id}", self._get_payment)
        app.router.add_post("/v1/payments/{id}/refund", self._refund)
        app.router.add_get("/v1/refunds/{id}", self._get_refund)
        self.server = LocalServer(app)

    async def start(self) -> str:
        return await self.server.start()

    async def stop(self) -> None:
        await self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    def add_account(self, key_id: str, key_secret: str, webhook_secret: str) -> None:
        self.accounts[key_id] = _Account(key_id, key_secret, webhook_secret)

    # --- HTTP API ---------------------------------------------------------------------

    def _auth(self, request: web.Request) -> _Account | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            key_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        account = self.accounts.get(key_id)
        if account is None or not hmac.compare_digest(account.key_secret, secret):
            return None
        self.calls.append((key_id, request.method, request.path))
        return account

    def _owned(self, account: _Account, order_id: str) -> dict[str, Any] | None:
        order = self.orders.get(order_id)
        if order is None or self.order_owner.get(order_id) != account.key_id:
            return None
        return order

    async def _create_order(self, request: web.Request) -> web.Response:
        account = self._auth(request)
        if account is None:
            return _error(401, "Authentication failed")
        data = await request.json()
        amount = data.get("amount")
        if not isinstance(amount, int) or amount < 100:
            return _error(400, "The amount must be atleast INR 1.00")
        if data.get("currency") != "INR":
            return _error(400, "Currency is not supported")
        receipt = data.get("receipt")
        if receipt is not None and len(str(receipt)) > 40:
            return _error(400, "The receipt may not be greater than 40 characters.")
        notes = data.get("notes") or {}
        if len(notes) > 15:
            return _error(400, "Number of notes can not be more than 15")
        order = {
            "id": rzp_id("order"),
            "entity": "order",
            "amount": amount,
            "amount_paid": 0,
            "amount_due": amount,
            "currency": "INR",
            "receipt": receipt,
            "offer_id": None,
            "status": "created",
            "attempts": 0,
            "notes": notes,
            "created_at": int(time.time()),
        }
        self.orders[order["id"]] = order
        self.order_owner[order["id"]] = account.key_id
        return web.json_response(order)

    async def _get_order(self, request: web.Request) -> web.Response:
        account = self._auth(request)
        if account is None:
            return _error(401, "Authentication failed")
        order = self._owned(account, request.match_info["id"])
        if order is None:
            return _error(400, "The id provided does not exist")
        return web.json_response(order)

    async def _order_payments(self, request: web.Request) -> web.Response:
        account = self._auth(request)
        if account is None:
            return _error(401, "Authentication failed")
        order = self._owned(account, request.match_info["id"])
        if order is None:
            return _error(400, "The id provided does not exist")
        items = [p for p in self.payments.values() if p["order_id"] == order["id"]]
        return web.json_response({"entity": "collection", "count": len(items), "items": items})

    async def _get_payment(self, request: web.Request) -> web.Response:
        account = self._auth(request)
        payment = self.payments.get(request.match_info["id"])
        if account is None:
            return _error(401, "Authentication failed")
        if payment is None or self._owned(account, payment["order_id"]) is None:
            return _error(400, "The id provided does not exist")
        return web.json_response(payment)

    async def _refund(self, request: web.Request) -> web.Response:
        account = self._auth(request)
        if account is None:
            return _error(401, "Authentication failed")
        payment = self.payments.get(request.match_info["id"])
        if payment is None or self._owned(account, payment["order_id"]) is None:
            return _error(400, "The id provided does not exist")
        data = await request.json()
        amount = data.get("amount", payment["amount"] - payment["amount_refunded"])
        if payment["status"] != "captured":
            return _error(400, "The payment has not been captured")
        if (
            not isinstance(amount, int)
            or amount < 100
            or amount > payment["amount"] - payment["amount_refunded"]
        ):
            return _error(400, "The refund amount provided is greater than amount captured")
        payment["amount_refunded"] += amount
        payment["refund_status"] = (
            "full" if payment["amount_refunded"] == payment["amount"] else "partial"
        )
        refund = {
            "id": rzp_id("rfnd"),
            "entity": "refund",
            "amount": amount,
            "currency": "INR",
            "payment_id": payment["id"],
            "notes": data.get("notes") or {},
            "receipt": data.get("receipt"),
            "acquirer_data": {"arn": None},
            "created_at": int(time.time()),
            "batch_id": None,
            "status": self.refund_status,
            "speed_processed": "normal",
            "speed_requested": data.get("speed", "normal"),
        }
        self.refunds[refund["id"]] = refund
        return web.json_response(refund)

    async def _get_refund(self, request: web.Request) -> web.Response:
        account = self._auth(request)
        if account is None:
            return _error(401, "Authentication failed")
        refund = self.refunds.get(request.match_info["id"])
        if refund is None:
            return _error(400, "The id provided does not exist")
        return web.json_response(refund)

    # --- test controls: the student, the bank and Razorpay's webhook sender ----------------

    def checkout(
        self, order_id: str, *, succeed: bool = True, method: str = "upi"
    ) -> dict[str, str]:
        """The student pays (auto-capture on); returns Checkout's signed answer."""
        order = self.orders[order_id]
        account = self.accounts[self.order_owner[order_id]]
        payment = {
            "id": rzp_id("pay"),
            "entity": "payment",
            "amount": order["amount"],
            "currency": order["currency"],
            "status": "captured" if succeed else "failed",
            "order_id": order_id,
            "invoice_id": None,
            "international": False,
            "method": method,
            "amount_refunded": 0,
            "refund_status": None,
            "captured": succeed,
            "description": None,
            "vpa": "student@okicici" if method == "upi" else None,
            "email": "student@example.com",
            "contact": "+919876543210",
            "notes": [],
            "fee": 236 if succeed else None,
            "tax": 36 if succeed else None,
            "error_code": None if succeed else "BAD_REQUEST_ERROR",
            "error_description": None
            if succeed
            else "Payment failed because the customer cancelled",
            "created_at": int(time.time()),
        }
        self.payments[payment["id"]] = payment
        order["attempts"] += 1
        if succeed:
            order["status"] = "paid"
            order["amount_paid"] = order["amount"]
            order["amount_due"] = 0
        else:
            order["status"] = "attempted"
        signature = hmac.new(
            account.key_secret.encode(), f"{order_id}|{payment['id']}".encode(), hashlib.sha256
        ).hexdigest()
        return {
            "razorpay_order_id": order_id,
            "razorpay_payment_id": payment["id"],
            "razorpay_signature": signature,
        }

    def process_refund(self, refund_id: str) -> None:
        self.refunds[refund_id]["status"] = "processed"

    def webhook(
        self,
        event: str,
        *,
        payment_id: str | None = None,
        refund_id: str | None = None,
        secret: str | None = None,
        event_id: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """(raw body, headers) of the webhook Razorpay would send for the current state."""
        contains: list[str] = []
        payload: dict[str, Any] = {}
        account: _Account | None = None
        if refund_id is not None:
            refund = self.refunds[refund_id]
            payment_id = refund["payment_id"]
            payload["refund"] = {"entity": refund}
            contains.append("refund")
        if payment_id is not None:
            payment = self.payments[payment_id]
            payload["payment"] = {"entity": payment}
            contains.append("payment")
            account = self.accounts[self.order_owner[payment["order_id"]]]
            if event == "order.paid":
                payload["order"] = {"entity": self.orders[payment["order_id"]]}
                contains.append("order")
        assert account is not None
        body = {
            "entity": "event",
            "account_id": account.account_id,
            "event": event,
            "contains": contains,
            "payload": payload,
            "created_at": int(time.time()),
        }
        raw = json.dumps(body).encode()
        key = secret if secret is not None else account.webhook_secret
        signature = hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()
        return raw, {
            "Content-Type": "application/json",
            "X-Razorpay-Signature": signature,
            "X-Razorpay-Event-Id": event_id or rzp_id("evt"),
        }
