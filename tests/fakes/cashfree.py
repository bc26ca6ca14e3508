"""A local Cashfree Payment Gateway (API version 2023-08-01), signing webhooks as documented.

Implemented from Cashfree's PG API reference: headers `x-client-id`,
`x-client-secret` and `x-api-version` on every call (`x-idempotency-key`
optional); `POST /pg/orders` (amount in rupees, `customer_details` with
`customer_id` and `customer_phone` required) → order entity with
`payment_session_id`; `GET /pg/orders/{order_id}`;
`GET /pg/orders/{order_id}/payments` → a list of payment entities;
`POST /pg/orders/{order_id}/refunds` and `GET /pg/orders/{order_id}/refunds`.
Errors are `{"message", "code", "type"}`.

Webhooks (`webhook()`): the 2023-08-01 payloads (`PAYMENT_SUCCESS_WEBHOOK`,
`PAYMENT_FAILED_WEBHOOK`, `REFUND_STATUS_WEBHOOK`) with
`x-webhook-signature` = Base64(HMAC-SHA256(`x-webhook-timestamp` + raw body,
client secret)) and the timestamp in milliseconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from tests.fakes.server import LocalServer

_ids = itertools.count(int(time.time()) % 1_000_000 * 1000 + 5_000_000_000)


def credentials() -> tuple[str, str]:
    """A client id and secret in Cashfree's test shapes."""
    return "TEST" + secrets.token_hex(12).upper(), "cfsk_ma_test_" + secrets.token_hex(20)


def _error(
    status: int, message: str, code: str, kind: str = "invalid_request_error"
) -> web.Response:
    return web.json_response({"message": message, "code": code, "type": kind}, status=status)


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


class FakeCashfree:
    def __init__(self) -> None:
        self.accounts: dict[str, str] = {}  # client id → secret
        self.orders: dict[str, dict[str, Any]] = {}
        self.order_owner: dict[str, str] = {}
        self.payments: dict[str, list[dict[str, Any]]] = {}
        self.refunds: dict[str, list[dict[str, Any]]] = {}
        self.idempotency: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[tuple[str, str, str]] = []
        app = web.Application()
        app.router.add_post("/pg/orders", self._create_order)
        app.router.add_get("/pg/orders/{order_id}", self._get_order)
        app.router.add_get("/pg/orders/{order_id}/payments", self._payments)
        app.router.add_post("/pg/orders/{order_id}/refunds", self._refund)
        app.router.add_get("/pg/orders/{order_id}/refunds", self._list_refunds)
        self.server = LocalServer(app)

    async def start(self) -> str:
        return await self.server.start()

    async def stop(self) -> None:
        await self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url + "/pg"

    def add_account(self, client_id: str, client_secret: str) -> None:
        self.accounts[client_id] = client_secret

    def _auth(self, request: web.Request) -> str | web.Response:
        version = request.headers.get("x-api-version", "")
        if not version:
            return _error(400, "x-api-version header missing", "request_invalid")
        if version < "2023-08-01":
            return _error(400, "this fake speaks 2023-08-01 or newer", "request_invalid")
        client_id = request.headers.get("x-client-id", "")
        secret = self.accounts.get(client_id)
        if secret is None or not hmac.compare_digest(
            secret, request.headers.get("x-client-secret", "")
        ):
            return _error(401, "authentication Failed", "request_failed", "authentication_error")
        self.calls.append((client_id, request.method, request.path))
        return client_id

    def _order(self, client_id: str, order_id: str) -> dict[str, Any] | None:
        if self.order_owner.get(order_id) != client_id:
            return None
        return self.orders.get(order_id)

    async def _create_order(self, request: web.Request) -> web.Response:
        who = self._auth(request)
        if isinstance(who, web.Response):
            return who
        data = await request.json()
        key = request.headers.get("x-idempotency-key")
        if key and (who, key) in self.idempotency:
            return web.json_response(self.idempotency[(who, key)])
        amount = data.get("order_amount")
        if not isinstance(amount, int | float) or amount < 1:
            return _error(
                400, "order_amount : should be greater than or equal to 1", "order_amount_invalid"
            )
        if data.get("order_currency") != "INR":
            return _error(400, "order_currency : invalid", "order_currency_invalid")
        customer = data.get("customer_details") or {}
        if not customer.get("customer_id") or not customer.get("customer_phone"):
            return _error(
                400,
                "customer_details.customer_phone : is missing in the request",
                "customer_details_missing",
            )
        order_id = data.get("order_id") or "order_" + secrets.token_hex(12)
        if order_id in self.orders:
            return _error(409, "order with same id is already present", "order_already_exists")
        order = {
            "cf_order_id": str(next(_ids)),
            "created_at": _now(),
            "customer_details": customer,
            "entity": "order",
            "order_amount": amount,
            "order_currency": "INR",
            "order_expiry_time": (datetime.now(UTC) + timedelta(days=30)).isoformat(
                timespec="seconds"
            ),
            "order_id": order_id,
            "order_meta": {"return_url": None, "notify_url": None, "payment_methods": None},
            "order_note": data.get("order_note"),
            "order_splits": [],
            "order_status": "ACTIVE",
            "order_tags": data.get("order_tags"),
            "payment_session_id": "session_" + secrets.token_urlsafe(32),
        }
        self.orders[order_id] = order
        self.order_owner[order_id] = who
        self.payments[order_id] = []
        self.refunds[order_id] = []
        if key:
            self.idempotency[(who, key)] = order
        return web.json_response(order)

    async def _get_order(self, request: web.Request) -> web.Response:
        who = self._auth(request)
        if isinstance(who, web.Response):
            return who
        order = self._order(who, request.match_info["order_id"])
        if order is None:
            return _error(404, "order not found", "order_not_found")
        return web.json_response(order)

    async def _payments(self, request: web.Request) -> web.Response:
        who = self._auth(request)
        if isinstance(who, web.Response):
            return who
        order = self._order(who, request.match_info["order_id"])
        if order is None:
            return _error(404, "order not found", "order_not_found")
        return web.json_response(self.payments[order["order_id"]])

    async def _refund(self, request: web.Request) -> web.Response:
        who = self._auth(request)
        if isinstance(who, web.Response):
            return who
        order = self._order(who, request.match_info["order_id"])
        if order is None:
            return _error(404, "order not found", "order_not_found")
        paid = [p for p in self.payments[order["order_id"]] if p["payment_status"] == "SUCCESS"]
        if not paid:
            return _error(400, "order is not paid", "refund_invalid")
        data = await request.json()
        refunded = sum(r["refund_amount"] for r in self.refunds[order["order_id"]])
        amount = data.get("refund_amount")
        if (
            not isinstance(amount, int | float)
            or amount <= 0
            or refunded + amount > order["order_amount"] + 1e-9
        ):
            return _error(
                400, "refund_amount : exceeds the refundable amount", "refund_amount_invalid"
            )
        refund = {
            "cf_payment_id": paid[0]["cf_payment_id"],
            "cf_refund_id": str(next(_ids)),
            "refund_id": data.get("refund_id"),
            "order_id": order["order_id"],
            "entity": "refund",
            "refund_amount": amount,
            "refund_currency": "INR",
            "refund_note": data.get("refund_note"),
            "refund_status": "PENDING",
            "refund_arn": None,
            "refund_charge": 0,
            "status_description": "In Progress",
            "metadata": None,
            "refund_splits": [],
            "refund_type": "MERCHANT_INITIATED",
            "refund_mode": "STANDARD",
            "created_at": _now(),
            "processed_at": None,
            "refund_speed": {
                "requested": "STANDARD",
                "accepted": "STANDARD",
                "processed": None,
                "message": None,
            },
        }
        self.refunds[order["order_id"]].append(refund)
        return web.json_response(refund)

    async def _list_refunds(self, request: web.Request) -> web.Response:
        who = self._auth(request)
        if isinstance(who, web.Response):
            return who
        order = self._order(who, request.match_info["order_id"])
        if order is None:
            return _error(404, "order not found", "order_not_found")
        return web.json_response(self.refunds[order["order_id"]])

    # --- test controls -------------------------------------------------------------------

    def pay(self, order_id: str, *, succeed: bool = True) -> dict[str, Any]:
        order = self.orders[order_id]
        payment = {
            "cf_payment_id": str(next(_ids)),
            "order_id": order_id,
            "entity": "payment",
            "is_captured": succeed,
            "order_amount": order["order_amount"],
            "payment_group": "upi",
            "payment_currency": "INR",
            "payment_amount": order["order_amount"],
            "payment_time": _now(),
            "payment_completion_time": _now(),
            "payment_status": "SUCCESS" if succeed else "FAILED",
            "payment_message": "00::Transaction success"
            if succeed
            else "ZA::Transaction declined by customer",
            "bank_reference": str(secrets.randbelow(10**12)).zfill(12),
            "auth_id": None,
            "payment_method": {"upi": {"channel": "collect", "upi_id": "student@ybl"}},
        }
        self.payments[order_id].append(payment)
        if succeed:
            order["order_status"] = "PAID"
        return payment

    def process_refund(self, order_id: str, cf_refund_id: str) -> dict[str, Any]:
        for refund in self.refunds[order_id]:
            if refund["cf_refund_id"] == cf_refund_id:
                refund["refund_status"] = "SUCCESS"
                refund["processed_at"] = _now()
                refund["status_description"] = "Refund processed successfully"
                return refund
        raise KeyError(cf_refund_id)

    def webhook(
        self,
        kind: str,
        *,
        order_id: str,
        payment: dict[str, Any] | None = None,
        refund: dict[str, Any] | None = None,
        timestamp_ms: int | None = None,
        secret: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        order = self.orders[order_id]
        if kind == "REFUND_STATUS_WEBHOOK":
            assert refund is not None
            body: dict[str, Any] = {"data": {"refund": refund}, "event_time": _now(), "type": kind}
        else:
            assert payment is not None
            body = {
                "data": {
                    "order": {
                        "order_id": order_id,
                        "order_amount": order["order_amount"],
                        "order_currency": "INR",
                        "order_tags": order["order_tags"],
                    },
                    "payment": {
                        k: payment[k]
                        for k in (
                            "cf_payment_id",
                            "payment_status",
                            "payment_amount",
                            "payment_currency",
                            "payment_message",
                            "payment_time",
                            "bank_reference",
                            "auth_id",
                            "payment_method",
                            "payment_group",
                        )
                    },
                    "customer_details": {
                        "customer_name": order["customer_details"].get("customer_name"),
                        "customer_id": order["customer_details"]["customer_id"],
                        "customer_email": order["customer_details"].get("customer_email"),
                        "customer_phone": order["customer_details"]["customer_phone"],
                    },
                    "payment_gateway_details": {
                        "gateway_name": "CASHFREE",
                        "gateway_order_id": order["cf_order_id"],
                        "gateway_payment_id": payment["cf_payment_id"],
                        "gateway_status_code": None,
                    },
                    "payment_offers": None,
                },
                "event_time": _now(),
                "type": kind,
            }
            if kind == "PAYMENT_FAILED_WEBHOOK":
                body["data"]["error_details"] = {
                    "error_code": "TRANSACTION_DECLINED",
                    "error_description": "issuer bank or payment service provider declined the transaction",
                    "error_reason": "auth_declined",
                    "error_source": "customer",
                }
        raw = json.dumps(body).encode()
        ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        key = secret if secret is not None else self.accounts[self.order_owner[order_id]]
        signature = base64.b64encode(
            hmac.new(key.encode(), ts.encode() + raw, hashlib.sha256).digest()
        ).decode()
        return raw, {
            "content-type": "application/json",
            "x-webhook-signature": signature,
            "x-webhook-timestamp": ts,
            "x-webhook-version": "2023-08-01",
            "x-webhook-attempt": "1",
        }
