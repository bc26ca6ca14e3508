"""A local Razorpay: the parts of its HTTP API v1 the payment service uses, signing as Razorpay does.

Implemented from Razorpay's documentation: HTTP Basic auth with key id and
key secret; `POST /v1/orders` (amount in paise ≥ 100, currency, receipt ≤ 40
characters, notes ≤ 15 keys) → order entity; `GET /v1/orders/{id}`,
`GET /v1/orders/{id}/payments` (a collection); `GET /v1/payments/{id}`;
`POST /v1/payments/{id}/refund` → refund entity; `GET /v1/refunds/{id}`.
Errors are `{"error": {"code": "BAD_REQUEST_ERROR", "description": ...}}`.

Payment Links: `POST /v1/payment_links` (amount ≥ 100 paise, INR, `reference_id` ≤ 40
characters and unique per account, `expire_by` at least 15 minutes ahead, `notify`,
`customer`) → link entity with `id` (`plink_…`) and `short_url`;
`GET /v1/payment_links/{id}`; `POST /v1/payment_links/{id}/cancel` (only a `created`
link). The short URL is a page of this fake where the "student" pays: it makes the
order and the captured payment as Razorpay would (the payment's `description` is `#` and
the link id without `plink_`, the order carries the link's notes) and, when `webhook_url`
is set, posts the signed `payment_link.paid` event there (`deliveries` keeps each
answer's status). `webhook("payment.captured" | "order.paid" | "payment.failed",
payment_id=…)` signs the events of the link's order as well.

Subscriptions (the platform's own billing): `POST /v1/plans` (period daily/weekly/
monthly/yearly, interval, item amount ≥ 100 paise INR) → plan entity; `POST
/v1/subscriptions` (plan_id, total_count, notes) → subscription with `short_url`;
`GET /v1/subscriptions/{id}`; `POST /v1/subscriptions/{id}/cancel`. Test controls:
`charge_subscription()` (a captured payment of the plan's amount) and
`subscription_webhook()` (a signed `subscription.*` event).

Checkout in a browser: `GET /v1/checkout.js` defines `Razorpay` as the documented web
integration uses it (`new Razorpay({key, order_id, handler, modal}).open()`); the payment
form is this server's page in a frame, whose Pay button captures the payment and hands
the signed answer back to `handler` by `postMessage`.

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
from tests.fakes.server import LocalServer, post_webhook

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
        self.links: dict[str, dict[str, Any]] = {}
        self.link_owner: dict[str, str] = {}
        self.webhook_url: str | None = None
        self.deliveries: list[int] = []
        app = web.Application()
        app.router.add_post("/v1/payment_links", self._create_link)
        app.router.add_get("/v1/payment_links/{id}", self._get_link)
        app.router.add_post("/v1/payment_links/{id}/cancel", self._cancel_link)
        app.router.add_get("/i/{id}", self._link_page)
        app.router.add_post("/i/{id}/pay", self._link_pay)
        app.router.add_get("/v1/checkout.js", self._checkout_script)
        app.router.add_get("/checkout/embedded", self._checkout_page)
        app.router.add_post("/checkout/embedded/pay", self._checkout_pay)
        app.router.add_post("/v1/orders", self._create_order)
        app.router.add_get("/v1/orders/{id}", self._get_order)
        app.router.add_get("/v1/orders/{id}/payments", self._order_payments)
        app.router.add_get("/v1/payments/{id}", self._get_payment)
        app.router.add_post("/v1/payments/{id}/refund", self._refund)
        app.router.add_get("/v1/refunds/{id}", self._get_refund)
        # Subscriptions (the platform billing its tenants): plans, subscriptions, cancel.
        self.plans: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.subscription_owner: dict[str, str] = {}
        app.router.add_post("/v1/plans", self._create_plan)
        app.router.add_get("/v1/plans/{id}", self._get_plan)
        app.router.add_post("/v1/subscriptions", self._create_subscription)
        app.router.add_get("/v1/subscriptions/{id}", self._get_subscription)
        app.router.add_post("/v1/subscriptions/{id}/cancel", self._cancel_subscription)
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

    async def _create_link(self, request: web.Request) -> web.Response:
        account = self._auth(request)
        if account is None:
            return _error(401, "Authentication failed")
        data = await request.json()
        amount = data.get("amount")
        if not isinstance(amount, int) or amount < 100:
            return _error(400, "The amount must be atleast INR 1.00")
        if data.get("currency", "INR") != "INR":
            return _error(400, "Currency is not supported")
        reference = data.get("reference_id")
        if reference is not None and len(str(reference)) > 40:
            return _error(400, "The reference id may not be greater than 40 characters.")
        if reference is not None and any(
            link["reference_id"] == reference and self.link_owner[lid] == account.key_id
            for lid, link in self.links.items()
        ):
            return _error(400, f"Payment Link with reference id {reference} already exists")
        expire_by = data.get("expire_by")
        if expire_by is not None and (
            not isinstance(expire_by, int) or expire_by < time.time() + 15 * 60
        ):
            return _error(400, "expire_by should be at least 15 minutes after current time")
        if data.get("accept_partial"):
            return _error(400, "this fake does not take partial payments")
        notes = data.get("notes") or {}
        if len(notes) > 15:
            return _error(400, "Number of notes can not be more than 15")
        link_id = rzp_id("plink")
        link = {
            "id": link_id,
            "accept_partial": False,
            "amount": amount,
            "amount_paid": 0,
            "callback_method": data.get("callback_method", ""),
            "callback_url": data.get("callback_url", ""),
            "cancelled_at": 0,
            "created_at": int(time.time()),
            "currency": "INR",
            "customer": data.get("customer") or {},
            "description": data.get("description", ""),
            "expire_by": expire_by or 0,
            "expired_at": 0,
            "first_min_partial_amount": 0,
            "notes": notes or None,
            "notify": data.get("notify") or {"sms": True, "email": True},
            "order_id": "",
            "payments": None,
            "reference_id": reference or "",
            "reminder_enable": bool(data.get("reminder_enable", True)),
            "reminders": [],
            "short_url": f"{self.url}/i/{link_id}",
            "status": "created",
            "updated_at": int(time.time()),
            "upi_link": False,
            "user_id": "",
        }
        self.links[link_id] = link
        self.link_owner[link_id] = account.key_id
        return web.json_response(link)

    def _requested_link(self, request: web.Request) -> dict[str, Any] | web.Response:
        """The caller's link named in the path, or the error Razorpay answers."""
        account = self._auth(request)
        if account is None:
            return _error(401, "Authentication failed")
        link_id = request.match_info["id"]
        if self.link_owner.get(link_id) != account.key_id:
            return _error(400, "The id provided does not exist")
        return self.links[link_id]

    async def _get_link(self, request: web.Request) -> web.Response:
        link = self._requested_link(request)
        return link if isinstance(link, web.Response) else web.json_response(link)

    async def _cancel_link(self, request: web.Request) -> web.Response:
        link = self._requested_link(request)
        if isinstance(link, web.Response):
            return link
        if link["status"] != "created":
            return _error(400, f"Payment Link cannot be cancelled in {link['status']} state")
        link["status"] = "cancelled"
        link["cancelled_at"] = link["updated_at"] = int(time.time())
        return web.json_response(link)

    async def _link_page(self, request: web.Request) -> web.Response:
        link = self.links.get(request.match_info["id"])
        if link is None:
            return web.Response(status=404, text="No such payment link")
        rupees = f"{link['amount'] / 100:.2f}"
        body = (
            "<!doctype html><html lang=en><head><title>Pay by link</title></head><body>"
            f"<h1>Pay ₹{rupees}</h1><p>{link['description']}</p><p>Status: {link['status']}</p>"
            f"<form method=post action='/i/{link['id']}/pay'><button>Pay ₹{rupees}</button></form>"
            "</body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    async def _link_pay(self, request: web.Request) -> web.Response:
        link_id = request.match_info["id"]
        if link_id not in self.links or self.links[link_id]["status"] != "created":
            return web.Response(status=409, text="This payment link cannot be paid")
        self.pay_link(link_id)
        if self.webhook_url:
            self.deliveries.append(
                await post_webhook(
                    self.webhook_url, *self.webhook("payment_link.paid", link_id=link_id)
                )
            )
        return web.Response(text="<h1>Payment successful</h1>", content_type="text/html")

    # --- Checkout in the browser --------------------------------------------------------
    # As Razorpay's web integration documents it: the page loads checkout.js, calls
    # `new Razorpay({key, order_id, amount, handler, modal: {ondismiss}}).open()`, and
    # Checkout takes the payment in its own frame; paid, `handler` receives the signed
    # answer. Here the frame is this server's page with one Pay button.

    async def _checkout_script(self, request: web.Request) -> web.Response:
        origin = json.dumps(f"{request.scheme}://{request.host}")
        script = _CHECKOUT_JS.replace("__ORIGIN__", origin)
        return web.Response(text=script, content_type="text/javascript")

    async def _checkout_page(self, request: web.Request) -> web.Response:
        key_id = request.query.get("key_id", "")
        order_id = request.query.get("order_id", "")
        order = self.orders.get(order_id)
        if order is None or self.order_owner.get(order_id) != key_id:
            return web.Response(status=400, text="No such order for this key")
        rupees = f"{order['amount'] / 100:.2f}"
        body = (
            "<!doctype html><html lang=en><head><title>Razorpay Checkout</title></head><body>"
            f"<h1>Pay ₹{rupees}</h1><p>Order {order_id}</p>"
            "<form method=post action='/checkout/embedded/pay'>"
            f"<input type=hidden name=order_id value='{order_id}'>"
            f"<button>Pay ₹{rupees}</button></form>"
            "<button onclick=\"parent.postMessage({dismissed: true}, '*')\">Cancel</button>"
            "</body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    async def _checkout_pay(self, request: web.Request) -> web.Response:
        order_id = str((await request.post()).get("order_id", ""))
        if self.orders.get(order_id, {}).get("status") not in ("created", "attempted"):
            return web.Response(status=409, text="This order cannot be paid")
        answer = json.dumps(self.checkout(order_id))
        return web.Response(
            text=f"<!doctype html><p>Paid</p><script>parent.postMessage({answer}, '*')</script>",
            content_type="text/html",
        )

    # --- test controls: the student, the bank and Razorpay's webhook sender ----------------

    def pay_link(self, link_id: str) -> dict[str, Any]:
        """The student pays the link: Razorpay makes its order and a captured payment."""
        link = self.links[link_id]
        key_id = self.link_owner[link_id]
        order = {
            "id": rzp_id("order"),
            "entity": "order",
            "amount": link["amount"],
            "amount_paid": 0,
            "amount_due": link["amount"],
            "currency": "INR",
            "receipt": None,
            "offer_id": None,
            "status": "created",
            "attempts": 0,
            "notes": link["notes"] or [],
            "created_at": int(time.time()),
        }
        self.orders[order["id"]] = order
        self.order_owner[order["id"]] = key_id
        answer = self.checkout(order["id"])
        payment = self.payments[answer["razorpay_payment_id"]]
        # As in Razorpay's documented `payment_link.paid` sample: the payment names the
        # link's order, and its description is `#` + the link id without `plink_`.
        payment["description"] = "#" + link_id.removeprefix("plink_")
        link.update(
            status="paid",
            amount_paid=link["amount"],
            order_id=order["id"],
            updated_at=int(time.time()),
            payments=[
                {
                    "amount": payment["amount"],
                    "created_at": payment["created_at"],
                    "method": payment["method"],
                    "payment_id": payment["id"],
                    "status": "captured",
                }
            ],
        )
        return payment

    def expire_link(self, link_id: str) -> None:
        link = self.links[link_id]
        link["status"] = "expired"
        link["expired_at"] = link["updated_at"] = int(time.time())

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

    # --- Subscriptions ----------------------------------------------------------------

    async def _create_plan(self, request: web.Request) -> web.Response:
        account = self._auth(request)
        if account is None:
            return _error(401, "Authentication failed")
        data = await request.json()
        item = data.get("item") or {}
        if data.get("period") not in ("daily", "weekly", "monthly", "yearly"):
            return _error(400, "The period field is invalid.")
        interval = data.get("interval")
        if not isinstance(interval, int) or interval < 1:
            return _error(400, "The interval must be at least 1.")
        amount = item.get("amount")
        if not isinstance(amount, int) or amount < 100 or item.get("currency") != "INR":
            return _error(400, "The item amount must be atleast INR 1.00")
        plan = {
            "id": rzp_id("plan"),
            "entity": "plan",
            "interval": interval,
            "period": data["period"],
            "item": {"id": rzp_id("item"), "active": True, **item},
            "notes": data.get("notes") or {},
            "created_at": int(time.time()),
        }
        self.plans[plan["id"]] = plan
        return web.json_response(plan)

    async def _get_plan(self, request: web.Request) -> web.Response:
        if self._auth(request) is None:
            return _error(401, "Authentication failed")
        plan = self.plans.get(request.match_info["id"])
        if plan is None:
            return _error(400, "The id provided does not exist")
        return web.json_response(plan)

    async def _create_subscription(self, request: web.Request) -> web.Response:
        account = self._auth(request)
        if account is None:
            return _error(401, "Authentication failed")
        data = await request.json()
        plan = self.plans.get(str(data.get("plan_id")))
        if plan is None:
            return _error(400, "The id provided does not exist")
        total = data.get("total_count")
        if not isinstance(total, int) or total < 1:
            return _error(400, "The total count field is required.")
        sub = {
            "id": rzp_id("sub"),
            "entity": "subscription",
            "plan_id": plan["id"],
            "customer_id": None,
            "status": "created",
            "current_start": None,
            "current_end": None,
            "ended_at": None,
            "quantity": 1,
            "notes": data.get("notes") or {},
            "charge_at": None,
            "total_count": total,
            "paid_count": 0,
            "remaining_count": total,
            "customer_notify": bool(data.get("customer_notify", 1)),
            "created_at": int(time.time()),
        }
        sub["short_url"] = f"{self.url}/i/{sub['id']}"
        self.subscriptions[sub["id"]] = sub
        self.subscription_owner[sub["id"]] = account.key_id
        return web.json_response(sub)

    def _requested_subscription(self, request: web.Request) -> dict[str, Any] | web.Response:
        account = self._auth(request)
        if account is None:
            return _error(401, "Authentication failed")
        sub_id = request.match_info["id"]
        sub = self.subscriptions.get(sub_id)
        if sub is None or self.subscription_owner.get(sub_id) != account.key_id:
            return _error(400, "The id provided does not exist")
        return sub

    async def _get_subscription(self, request: web.Request) -> web.Response:
        found = self._requested_subscription(request)
        return found if isinstance(found, web.Response) else web.json_response(found)

    async def _cancel_subscription(self, request: web.Request) -> web.Response:
        found = self._requested_subscription(request)
        if isinstance(found, web.Response):
            return found
        if found["status"] in ("cancelled", "completed", "expired"):
            return _error(400, "Subscription is not cancellable in cancelled status.")
        found["status"] = "cancelled"
        found["ended_at"] = int(time.time())
        return web.json_response(found)

    def charge_subscription(self, sub_id: str) -> str:
        """Razorpay charging the subscription's mandate: a captured payment of the plan's
        amount; returns the payment id (then send `webhook("subscription.charged", ...)`)."""
        sub = self.subscriptions[sub_id]
        plan = self.plans[sub["plan_id"]]
        payment_id = rzp_id("pay")
        self.payments[payment_id] = {
            "id": payment_id,
            "entity": "payment",
            "amount": plan["item"]["amount"],
            "currency": "INR",
            "status": "captured",
            "order_id": None,
            "invoice_id": rzp_id("inv"),
            "method": "upi",
            "captured": True,
            "created_at": int(time.time()),
        }
        sub["status"] = "active"
        sub["paid_count"] += 1
        sub["remaining_count"] -= 1
        return payment_id

    def subscription_webhook(
        self,
        event: str,
        sub_id: str,
        *,
        payment_id: str | None = None,
        secret: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """(raw body, headers) of a `subscription.*` event as Razorpay sends it."""
        account = self.accounts[self.subscription_owner[sub_id]]
        payload: dict[str, Any] = {"subscription": {"entity": self.subscriptions[sub_id]}}
        contains = ["subscription"]
        if payment_id is not None:
            payload["payment"] = {"entity": self.payments[payment_id]}
            contains.append("payment")
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
        return raw, {
            "Content-Type": "application/json",
            "X-Razorpay-Signature": hmac.new(key.encode(), raw, hashlib.sha256).hexdigest(),
            "X-Razorpay-Event-Id": rzp_id("evt"),
        }

    def webhook(
        self,
        event: str,
        *,
        payment_id: str | None = None,
        refund_id: str | None = None,
        link_id: str | None = None,
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
        if link_id is not None:
            link = self.links[link_id]
            payload["payment_link"] = {"entity": link}
            contains.append("payment_link")
            account = self.accounts[self.link_owner[link_id]]
            if link["order_id"]:
                payload["order"] = {"entity": self.orders[link["order_id"]]}
                contains.append("order")
                paid = link["payments"][0]["payment_id"]
                payload["payment"] = {"entity": self.payments[paid]}
                contains.append("payment")
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


_CHECKOUT_JS = """(function () {
  var origin = __ORIGIN__;
  function Razorpay(options) { this.options = options; }
  Razorpay.prototype.open = function () {
    var o = this.options;
    var frame = document.createElement('iframe');
    frame.title = 'Razorpay Checkout';
    frame.setAttribute('data-testid', 'razorpay-checkout');
    frame.style.cssText = 'position:fixed;inset:10%;width:80%;height:80%;z-index:9999;background:#fff';
    frame.src = origin + '/checkout/embedded?key_id=' + encodeURIComponent(o.key) +
      '&order_id=' + encodeURIComponent(o.order_id);
    function answer(event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) return;
      window.removeEventListener('message', answer);
      frame.remove();
      if (event.data && event.data.razorpay_payment_id) o.handler(event.data);
      else if (o.modal && o.modal.ondismiss) o.modal.ondismiss();
    }
    window.addEventListener('message', answer);
    document.body.appendChild(frame);
  };
  window.Razorpay = Razorpay;
})();
"""
