"""Webhooks of the order a provider makes when a student pays one of our payment links.

Besides the link's own event (Razorpay `payment_link.paid`, Cashfree `PAYMENT_LINK_EVENT`)
the providers send the events of the order they made for the link (Razorpay
`payment.captured` and `order.paid`, Cashfree `PAYMENT_SUCCESS_WEBHOOK`). Those are
answered 200 once the signature verifies, whichever arrives first and however often, and
the payment is captured exactly once; a forged one is still 400, and an order nobody made
for one of our links is still refused as unknown.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from studyspot.kit.models import outbox_events
from tests.conftest import Apps
from tests.fixtures.payments import (
    PAYMENTS,
    Fakes,
    Tenant,
    connect_cashfree,
    connect_razorpay,
    deliver,
    get_payment,
)

AMOUNT = 150_000


async def _link(apps: Apps, fakes: Fakes, tenant: Tenant, provider: str) -> dict[str, Any]:
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    resp = await apps.client("payment").post(
        f"{PAYMENTS}/links",
        json={"booking_id": str(booking), "provider": provider},
        headers=tenant.owner.headers,
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def _paid_link(
    apps: Apps, fakes: Fakes, tenant: Tenant, provider: str
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """A link of the tenant's provider account just paid by the student (no webhook yet):
    our payment, the link id, the provider's payment."""
    connect = connect_razorpay if provider == "razorpay" else connect_cashfree
    await connect(apps, tenant, fakes)
    payment = await _link(apps, fakes, tenant, provider)
    link_id = payment["provider_order_id"]
    pay = fakes.razorpay.pay_link if provider == "razorpay" else fakes.cashfree.pay_link
    return payment, link_id, pay(link_id)


async def _refused(apps: Apps, provider: str) -> float:
    text = (await apps.client("payment").get("/metrics")).text
    total = 0.0
    for found in re.finditer(
        rf'payment_webhooks_refused_total\{{provider="{provider}",reason="[a-z_]+"\}} ([0-9.]+)',
        text,
    ):
        total += float(found.group(1))
    return total


async def _status(resp: httpx.Response) -> str:
    assert resp.status_code == 200, resp.text
    status: str = resp.json()["status"]
    return status


async def _captured_once(apps: Apps, tenant: Tenant, payment: dict[str, Any]) -> None:
    """One captured payment, one invoice, the due paid once and nothing owed back."""
    done = await get_payment(apps, tenant.owner, payment["id"])
    assert done["status"] == "captured"
    listed = await apps.client("payment").get(
        PAYMENTS, params={"booking_id": payment["booking_id"]}, headers=tenant.owner.headers
    )
    assert listed.status_code == 200, listed.text
    assert [p["status"] for p in listed.json()["items"]] == ["captured"]
    dues = await apps.client("payment").get(
        f"{PAYMENTS}/dues",
        params={"student_id": str(tenant.student_id), "include_settled": "true"},
        headers=tenant.owner.headers,
    )
    assert dues.status_code == 200, dues.text
    (due,) = [d for d in dues.json()["items"] if d["booking_id"] == payment["booking_id"]]
    assert (due["paid_paise"], due["balance_paise"]) == (AMOUNT, 0)
    invoice = await apps.client("payment").get(
        f"{PAYMENTS}/{payment['id']}/invoice", headers=tenant.owner.headers
    )
    assert invoice.status_code == 200, invoice.text
    assert await _captured_events(apps, payment["id"]) == 1


async def _captured_events(apps: Apps, payment_id: str) -> int:
    """`payment.captured` events published for the payment (the tenant is in the shared
    database): one, whatever arrived how often."""
    db = apps.app("payment").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox_events.c.payload).where(outbox_events.c.topic == "payment.captured")
        )
        return sum(1 for (payload,) in rows if payload.get("payment_id") == payment_id)


# --- Razorpay -----------------------------------------------------------------------------


async def test_razorpay_order_events_before_the_link_event_capture_once_and_replays_are_duplicates(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment, link_id, paid = await _paid_link(apps, fakes, tenant, "razorpay")
    refused_before = await _refused(apps, "razorpay")

    captured = fakes.razorpay.webhook("payment.captured", payment_id=paid["id"])
    order_paid = fakes.razorpay.webhook("order.paid", payment_id=paid["id"])
    link_paid = fakes.razorpay.webhook("payment_link.paid", link_id=link_id)

    assert await _status(await deliver(apps, "razorpay", *captured)) == "processed"
    done = await get_payment(apps, tenant.owner, payment["id"])
    assert (done["status"], done["provider_payment_id"]) == ("captured", paid["id"])
    assert await _status(await deliver(apps, "razorpay", *order_paid)) == "processed"
    assert await _status(await deliver(apps, "razorpay", *link_paid)) == "processed"
    for replay in (captured, order_paid, link_paid, captured):
        assert await _status(await deliver(apps, "razorpay", *replay)) == "duplicate"

    await _captured_once(apps, tenant, payment)
    assert await _refused(apps, "razorpay") == refused_before


async def test_razorpay_order_events_after_the_link_event_are_answered_and_change_nothing(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment, link_id, paid = await _paid_link(apps, fakes, tenant, "razorpay")
    refused_before = await _refused(apps, "razorpay")

    link_paid = fakes.razorpay.webhook("payment_link.paid", link_id=link_id)
    assert await _status(await deliver(apps, "razorpay", *link_paid)) == "processed"
    for event in ("payment.captured", "order.paid"):
        hook = fakes.razorpay.webhook(event, payment_id=paid["id"])
        assert await _status(await deliver(apps, "razorpay", *hook)) == "processed"
        assert await _status(await deliver(apps, "razorpay", *hook)) == "duplicate"

    await _captured_once(apps, tenant, payment)
    assert await _refused(apps, "razorpay") == refused_before


async def test_a_razorpay_link_order_without_the_link_in_its_payment_is_found_once_the_link_was_paid(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    """Without the `#<link>` description only the order recorded from the signed
    `payment_link.paid` names the link: refused (and retried by Razorpay) until then."""
    payment, link_id, paid = await _paid_link(apps, fakes, tenant, "razorpay")
    paid["description"] = None

    early = fakes.razorpay.webhook("payment.captured", payment_id=paid["id"])
    resp = await deliver(apps, "razorpay", *early)
    assert resp.status_code == 400 and resp.json()["code"] == "unknown_payment"
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "pending"

    link_paid = fakes.razorpay.webhook("payment_link.paid", link_id=link_id)
    assert await _status(await deliver(apps, "razorpay", *link_paid)) == "processed"
    # Razorpay's retry of the same signed body now finds the payment.
    assert await _status(await deliver(apps, "razorpay", *early)) == "processed"
    order_paid = fakes.razorpay.webhook("order.paid", payment_id=paid["id"])
    assert await _status(await deliver(apps, "razorpay", *order_paid)) == "processed"
    await _captured_once(apps, tenant, payment)


async def test_a_failed_attempt_on_a_razorpay_link_leaves_the_link_payment_open(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment, _, paid = await _paid_link(apps, fakes, tenant, "razorpay")
    attempt = fakes.razorpay.checkout(paid["order_id"], succeed=False)
    failed = fakes.razorpay.payments[attempt["razorpay_payment_id"]]
    failed["description"] = paid["description"]

    hook = fakes.razorpay.webhook("payment.failed", payment_id=failed["id"])
    assert await _status(await deliver(apps, "razorpay", *hook)) == "ignored"
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "pending"
    captured = fakes.razorpay.webhook("payment.captured", payment_id=paid["id"])
    assert await _status(await deliver(apps, "razorpay", *captured)) == "processed"
    await _captured_once(apps, tenant, payment)


async def test_forged_razorpay_link_order_events_and_unknown_orders_are_still_refused(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    payment = await _link(apps, fakes, tenant, "razorpay")
    paid = fakes.razorpay.pay_link(payment["provider_order_id"])

    for event in ("payment.captured", "order.paid"):
        forged = fakes.razorpay.webhook(event, payment_id=paid["id"], secret="not-the-secret")
        resp = await deliver(apps, "razorpay", *forged)
        assert resp.status_code == 400 and resp.json()["code"] == "invalid_signature"
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "pending"

    # A link id that is not ours (another account's link), and an order of nobody's.
    paid["description"] = "#AAAAAAAAAAAAAA"
    stranger = fakes.razorpay.webhook("payment.captured", payment_id=paid["id"])
    resp = await deliver(apps, "razorpay", *stranger)
    assert resp.status_code == 400 and resp.json()["code"] == "unknown_payment"
    order = fakes.razorpay.orders[paid["order_id"]]
    other = fakes.razorpay.checkout(order["id"])
    fakes.razorpay.payments[other["razorpay_payment_id"]]["description"] = None
    nobody = fakes.razorpay.webhook("payment.captured", payment_id=other["razorpay_payment_id"])
    resp = await deliver(apps, "razorpay", *nobody)
    assert resp.status_code == 400 and resp.json()["code"] == "unknown_payment"
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "pending"


# --- Cashfree -----------------------------------------------------------------------------


def _cashfree_success(fakes: Fakes, link_id: str) -> tuple[bytes, dict[str, str]]:
    (order_id,) = fakes.cashfree.link_orders[link_id]
    paid = fakes.cashfree.payments[order_id][-1]
    return fakes.cashfree.webhook("PAYMENT_SUCCESS_WEBHOOK", order_id=order_id, payment=paid)


async def test_cashfree_order_success_before_the_link_event_captures_once_and_replays_are_duplicates(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment, link_id, _ = await _paid_link(apps, fakes, tenant, "cashfree")
    refused_before = await _refused(apps, "cashfree")

    success = _cashfree_success(fakes, link_id)
    link_paid = fakes.cashfree.link_webhook(link_id)
    assert await _status(await deliver(apps, "cashfree", *success)) == "processed"
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "captured"
    assert await _status(await deliver(apps, "cashfree", *link_paid)) == "processed"
    for replay in (success, link_paid):
        assert await _status(await deliver(apps, "cashfree", *replay)) == "duplicate"

    await _captured_once(apps, tenant, payment)
    assert await _refused(apps, "cashfree") == refused_before


async def test_cashfree_order_success_after_the_link_event_is_answered_and_changes_nothing(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment, link_id, _ = await _paid_link(apps, fakes, tenant, "cashfree")
    refused_before = await _refused(apps, "cashfree")

    link_paid = fakes.cashfree.link_webhook(link_id)
    assert await _status(await deliver(apps, "cashfree", *link_paid)) == "processed"
    success = _cashfree_success(fakes, link_id)
    assert await _status(await deliver(apps, "cashfree", *success)) == "processed"
    assert await _status(await deliver(apps, "cashfree", *success)) == "duplicate"

    await _captured_once(apps, tenant, payment)
    assert await _refused(apps, "cashfree") == refused_before


async def test_a_cashfree_link_order_without_its_tag_is_found_once_the_link_was_paid(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment, link_id, _ = await _paid_link(apps, fakes, tenant, "cashfree")
    (order_id,) = fakes.cashfree.link_orders[link_id]
    fakes.cashfree.orders[order_id]["order_tags"] = None

    early = _cashfree_success(fakes, link_id)
    resp = await deliver(apps, "cashfree", *early)
    assert resp.status_code == 400 and resp.json()["code"] == "unknown_payment"
    link_paid = fakes.cashfree.link_webhook(link_id)
    assert await _status(await deliver(apps, "cashfree", *link_paid)) == "processed"
    assert await _status(await deliver(apps, "cashfree", *early)) == "processed"
    await _captured_once(apps, tenant, payment)


async def test_cashfree_link_order_failures_and_forgeries_change_nothing(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment, link_id, _ = await _paid_link(apps, fakes, tenant, "cashfree")
    (order_id,) = fakes.cashfree.link_orders[link_id]
    paid = fakes.cashfree.payments[order_id][-1]

    attempt = fakes.cashfree.pay(order_id, succeed=False)
    failed = fakes.cashfree.webhook("PAYMENT_FAILED_WEBHOOK", order_id=order_id, payment=attempt)
    assert await _status(await deliver(apps, "cashfree", *failed)) == "ignored"
    forged = fakes.cashfree.webhook(
        "PAYMENT_SUCCESS_WEBHOOK", order_id=order_id, payment=paid, secret="not-the-secret"
    )
    resp = await deliver(apps, "cashfree", *forged)
    assert resp.status_code == 400 and resp.json()["code"] == "invalid_signature"
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "pending"

    # An order tagged with a link that is not ours is still an unknown order.
    fakes.cashfree.orders[order_id]["order_tags"] = {"link_id": "sl_" + uuid.uuid4().hex}
    stranger = fakes.cashfree.webhook("PAYMENT_SUCCESS_WEBHOOK", order_id=order_id, payment=paid)
    resp = await deliver(apps, "cashfree", *stranger)
    assert resp.status_code == 400 and resp.json()["code"] == "unknown_payment"
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "pending"
