"""A local Cashfree Payment Gateway (API version 2023-08-01), signing webhooks as documented.

Implemented from Cashfree's PG API reference: headers `x-client-id`,
`x-client-secret` and `x-api-version` on every call (`x-idempotency-key`
optional); `POST /pg/orders` (amount in rupees, `customer_details` with
`customer_id` and `customer_phone` required) → order entity with
`payment_session_id`; `GET /pg/orders/{order_id}`;
`GET /pg/orders/{order_id}/payments` → a list of payment entities;
`POST /pg/orders/{order_id}/refunds` and `GET /pg/orders/{order_id}/refunds`.
Errors are `{"message", "code", "type"}`.

Payment Links: `POST /pg/links` (`link_id` ≤ 50 of [A-Za-z0-9_-], `link_amount` ≥ 1
rupee, INR, `customer_details.customer_phone` required, `link_expiry_time` ISO 8601 in
the future) → link entity with `cf_link_id`, `link_status` ACTIVE and `link_url`;
`GET /pg/links/{link_id}`; `POST /pg/links/{link_id}/cancel` (only an ACTIVE link →
CANCELLED); `GET /pg/links/{link_id}/orders`. The link URL is a page of this fake where
the "student" pays: an order `CFPay_…` is made and paid, the link turns PAID and, when
`webhook_url` is set, the signed `PAYMENT_LINK_EVENT` is posted there.

Checkout in a browser: `GET /js/v3/cashfree.js` defines `Cashfree` as Cashfree's JS SDK v3
documents it (`Cashfree({mode}).checkout({paymentSessionId, redirectTarget: "_modal"})`,
a promise of `{paymentDetails}` once paid or `{error}` when closed); the checkout is this
server's page in a frame (`/checkout/modal?payment_session_id=…`), whose Pay button pays
the order (and, when `webhook_url` is set, posts the signed `PAYMENT_SUCCESS_WEBHOOK`
there) and answers the SDK by `postMessage`. `sdk_modes` keeps the mode each checkout
was opened in.

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
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from tests.fakes.server import LocalServer, post_webhook

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
        self.links: dict[str, dict[str, Any]] = {}
        self.link_owner: dict[str, str] = {}
        self.link_orders: dict[str, list[str]] = {}
        self.link_by_code: dict[str, str] = {}
        self.webhook_url: str | None = None
        self.deliveries: list[int] = []
        self.sdk_modes: list[str] = []
        app = web.Application()
        app.router.add_get("/js/v3/cashfree.js", self._sdk_script)
        app.router.add_get("/checkout/modal", self._checkout_page)
        app.router.add_post("/checkout/modal/pay", self._checkout_pay)
        app.router.add_post("/pg/links", self._create_link)
        app.router.add_get("/pg/links/{link_id}", self._get_link)
        app.router.add_post("/pg/links/{link_id}/cancel", self._cancel_link)
        app.router.add_get("/pg/links/{link_id}/orders", self._link_orders)
        app.router.add_get("/links/{code}", self._link_page)
        app.router.add_post("/links/{code}/pay", self._link_pay)
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

    async def _create_link(self, request: web.Request) -> web.Response:
        who = self._auth(request)
        if isinstance(who, web.Response):
            return who
        data = await request.json()
        key = request.headers.get("x-idempotency-key")
        if key and (who, key) in self.idempotency:
            return web.json_response(self.idempotency[(who, key)])
        link_id = data.get("link_id")
        if not isinstance(link_id, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,50}", link_id):
            return _error(400, "link_id : is invalid", "link_id_invalid")
        if link_id in self.links:
            return _error(409, "link_id : already exists", "link_already_exists")
        amount = data.get("link_amount")
        if not isinstance(amount, int | float) or amount < 1:
            return _error(400, "link_amount : should be at least 1", "link_amount_invalid")
        if data.get("link_currency") != "INR":
            return _error(400, "link_currency : invalid", "link_currency_invalid")
        customer = data.get("customer_details") or {}
        if not customer.get("customer_phone"):
            return _error(
                400,
                "customer_details.customer_phone : is missing in the request",
                "customer_details_missing",
            )
        if not data.get("link_purpose"):
            return _error(400, "link_purpose : is missing in the request", "link_purpose_missing")
        expiry = data.get("link_expiry_time")
        try:
            expires = datetime.fromisoformat(expiry) if expiry else None
        except (TypeError, ValueError):
            return _error(400, "link_expiry_time : invalid", "link_expiry_time_invalid")
        if expires is not None and (expires.tzinfo is None or expires <= datetime.now(UTC)):
            return _error(400, "link_expiry_time : should be in future", "link_expiry_time_invalid")
        code = secrets.token_urlsafe(9)
        link = {
            "cf_link_id": next(_ids),
            "link_id": link_id,
            "link_status": "ACTIVE",
            "link_currency": "INR",
            "link_amount": amount,
            "link_amount_paid": 0,
            "link_partial_payments": bool(data.get("link_partial_payments")),
            "link_minimum_partial_amount": data.get("link_minimum_partial_amount"),
            "link_purpose": data["link_purpose"],
            "link_created_at": _now(),
            "customer_details": customer,
            "link_meta": data.get("link_meta") or {},
            "link_url": f"{self.server.url}/links/{code}",
            "link_expiry_time": expiry
            or (datetime.now(UTC) + timedelta(days=30)).isoformat(timespec="seconds"),
            "link_notes": data.get("link_notes") or {},
            "link_auto_reminders": bool(data.get("link_auto_reminders")),
            "link_notify": data.get("link_notify") or {"send_sms": False, "send_email": False},
            "link_qrcode": None,
        }
        self.links[link_id] = link
        self.link_owner[link_id] = who
        self.link_orders[link_id] = []
        self.link_by_code[code] = link_id
        if key:
            self.idempotency[(who, key)] = link
        return web.json_response(link)

    def _requested_link(self, request: web.Request) -> dict[str, Any] | web.Response:
        """The caller's link named in the path, or the error Cashfree answers."""
        who = self._auth(request)
        if isinstance(who, web.Response):
            return who
        if self.link_owner.get(request.match_info["link_id"]) != who:
            return _error(404, "link does not exist", "link_not_found")
        return self.links[request.match_info["link_id"]]

    async def _get_link(self, request: web.Request) -> web.Response:
        link = self._requested_link(request)
        return link if isinstance(link, web.Response) else web.json_response(link)

    async def _cancel_link(self, request: web.Request) -> web.Response:
        link = self._requested_link(request)
        if isinstance(link, web.Response):
            return link
        if link["link_status"] != "ACTIVE":
            return _error(400, "link is not active", "link_post_failed")
        link["link_status"] = "CANCELLED"
        return web.json_response(link)

    async def _link_orders(self, request: web.Request) -> web.Response:
        link = self._requested_link(request)
        if isinstance(link, web.Response):
            return link
        return web.json_response([self.orders[o] for o in self.link_orders[link["link_id"]]])

    async def _link_page(self, request: web.Request) -> web.Response:
        link_id = self.link_by_code.get(request.match_info["code"])
        if link_id is None:
            return web.Response(status=404, text="No such payment link")
        link = self.links[link_id]
        code = request.match_info["code"]
        body = (
            "<!doctype html><html lang=en><head><title>Pay by link</title></head><body>"
            f"<h1>Pay ₹{link['link_amount']:.2f}</h1><p>{link['link_purpose']}</p>"
            f"<p>Status: {link['link_status']}</p>"
            f"<form method=post action='/links/{code}/pay'>"
            f"<button>Pay ₹{link['link_amount']:.2f}</button></form></body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    async def _link_pay(self, request: web.Request) -> web.Response:
        link_id = self.link_by_code.get(request.match_info["code"])
        if link_id is None or self.links[link_id]["link_status"] != "ACTIVE":
            return web.Response(status=409, text="This payment link cannot be paid")
        self.pay_link(link_id)
        if self.webhook_url:
            self.deliveries.append(
                await post_webhook(self.webhook_url, *self.link_webhook(link_id))
            )
        return web.Response(text="<h1>Payment successful</h1>", content_type="text/html")

    # --- Checkout in the browser (JS SDK v3) -----------------------------------------------

    async def _sdk_script(self, request: web.Request) -> web.Response:
        origin = json.dumps(f"{request.scheme}://{request.host}")
        return web.Response(
            text=_SDK_JS.replace("__ORIGIN__", origin), content_type="text/javascript"
        )

    def _by_session(self, session_id: str) -> dict[str, Any] | None:
        found = [o for o in self.orders.values() if o["payment_session_id"] == session_id]
        return found[0] if session_id and found else None

    async def _checkout_page(self, request: web.Request) -> web.Response:
        order = self._by_session(request.query.get("payment_session_id", ""))
        if order is None:
            return web.Response(status=400, text="No such payment session")
        self.sdk_modes.append(request.query.get("mode", "")[:20])
        rupees = f"{order['order_amount']:.2f}"
        body = (
            "<!doctype html><html lang=en><head><title>Cashfree Checkout</title></head><body>"
            f"<h1>Pay ₹{rupees}</h1><p>Order {order['order_id']}</p>"
            "<form method=post action='/checkout/modal/pay'>"
            f"<input type=hidden name=payment_session_id value='{order['payment_session_id']}'>"
            f"<button>Pay ₹{rupees}</button></form>"
            "<button onclick=\"parent.postMessage({closed: true}, '*')\">Close</button>"
            "</body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    async def _checkout_pay(self, request: web.Request) -> web.Response:
        order = self._by_session(str((await request.post()).get("payment_session_id", "")))
        if order is None or order["order_status"] != "ACTIVE":
            return web.Response(status=409, text="This order cannot be paid")
        payment = self.pay(order["order_id"])
        if self.webhook_url:
            raw, headers = self.webhook(
                "PAYMENT_SUCCESS_WEBHOOK", order_id=order["order_id"], payment=payment
            )
            self.deliveries.append(await post_webhook(self.webhook_url, raw, headers))
        answer = json.dumps({"paid": True, "message": payment["payment_message"]})
        return web.Response(
            text=f"<!doctype html><p>Paid</p><script>parent.postMessage({answer}, '*')</script>",
            content_type="text/html",
        )

    # --- test controls -------------------------------------------------------------------

    def pay_link(self, link_id: str) -> dict[str, Any]:
        """The student pays the link: Cashfree makes an order for it and the payment succeeds."""
        link = self.links[link_id]
        who = self.link_owner[link_id]
        order_id = f"CFPay_{link['cf_link_id']}_{secrets.token_hex(5)}"
        self.orders[order_id] = {
            "cf_order_id": str(next(_ids)),
            "created_at": _now(),
            "customer_details": {"customer_id": "link", **link["customer_details"]},
            "entity": "order",
            "order_amount": link["link_amount"],
            "order_currency": "INR",
            "order_expiry_time": link["link_expiry_time"],
            "order_id": order_id,
            "order_meta": {},
            "order_note": link["link_purpose"],
            "order_splits": [],
            "order_status": "ACTIVE",
            "order_tags": {"link_id": link_id},
            "payment_session_id": "session_" + secrets.token_urlsafe(32),
        }
        self.order_owner[order_id] = who
        self.payments[order_id] = []
        self.refunds[order_id] = []
        self.link_orders[link_id].append(order_id)
        payment = self.pay(order_id)
        link["link_status"] = "PAID"
        link["link_amount_paid"] = link["link_amount"]
        return payment

    def link_webhook(
        self, link_id: str, *, timestamp_ms: int | None = None, secret: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The PAYMENT_LINK_EVENT Cashfree sends for the link's current state."""
        link = self.links[link_id]
        data: dict[str, Any] = {
            k: link[k]
            for k in (
                "cf_link_id",
                "link_id",
                "link_status",
                "link_currency",
                "link_partial_payments",
                "link_minimum_partial_amount",
                "link_purpose",
                "link_created_at",
                "customer_details",
                "link_meta",
                "link_url",
                "link_expiry_time",
                "link_notes",
                "link_auto_reminders",
                "link_notify",
            )
        }
        # Amounts are strings in the link webhook, as documented.
        data["link_amount"] = f"{link['link_amount']:.2f}"
        data["link_amount_paid"] = f"{link['link_amount_paid']:.2f}"
        if self.link_orders[link_id]:
            order = self.orders[self.link_orders[link_id][-1]]
            paid = self.payments[order["order_id"]][-1]
            data["order"] = {
                "order_amount": f"{order['order_amount']:.2f}",
                "order_id": order["order_id"],
                "order_expiry_time": order["order_expiry_time"],
                "order_hash": secrets.token_urlsafe(15),
                "transaction_id": int(paid["cf_payment_id"]),
                "transaction_status": paid["payment_status"],
            }
        body = {"data": data, "type": "PAYMENT_LINK_EVENT", "version": 1, "event_time": _now()}
        return self._signed(json.dumps(body).encode(), link_id, timestamp_ms, secret, link=True)

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
        return self._signed(json.dumps(body).encode(), order_id, timestamp_ms, secret)

    def _signed(
        self,
        raw: bytes,
        owned_id: str,
        timestamp_ms: int | None,
        secret: str | None,
        *,
        link: bool = False,
    ) -> tuple[bytes, dict[str, str]]:
        ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        owner = (self.link_owner if link else self.order_owner)[owned_id]
        key = secret if secret is not None else self.accounts[owner]
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


_SDK_JS = """(function () {
  var origin = __ORIGIN__;
  function Cashfree(options) {
    var mode = (options && options.mode) || '';
    return {
      checkout: function (o) {
        return new Promise(function (resolve) {
          if (o.redirectTarget !== '_modal') {
            window.location.href = origin + '/checkout/modal?payment_session_id=' + encodeURIComponent(o.paymentSessionId);
            resolve({ redirect: true });
            return;
          }
          var frame = document.createElement('iframe');
          frame.title = 'Cashfree Checkout';
          frame.setAttribute('data-testid', 'cashfree-checkout');
          frame.style.cssText = 'position:fixed;inset:10%;width:80%;height:80%;z-index:9999;background:#fff';
          frame.src = origin + '/checkout/modal?payment_session_id=' + encodeURIComponent(o.paymentSessionId) +
            '&mode=' + encodeURIComponent(mode);
          function answer(event) {
            if (event.origin !== origin || event.source !== frame.contentWindow) return;
            window.removeEventListener('message', answer);
            frame.remove();
            if (event.data && event.data.paid) resolve({ paymentDetails: { paymentMessage: event.data.message } });
            else resolve({ error: { code: 'payment_closed', message: 'The checkout was closed' } });
          }
          window.addEventListener('message', answer);
          document.body.appendChild(frame);
        });
      },
    };
  }
  window.Cashfree = Cashfree;
})();
"""
