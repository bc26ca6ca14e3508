"""Cashfree over its documented HTTP API (2023-08-01) against the local fake."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import Apps
from tests.fixtures.payments import (
    PAYMENTS,
    Fakes,
    Tenant,
    connect_cashfree,
    created,
    deliver,
    get_payment,
)


async def _order(apps: Apps, fakes: Fakes, tenant: Tenant) -> dict[str, Any]:
    await connect_cashfree(apps, tenant, fakes)
    booking = fakes.bookings.add(
        tenant.tenant_id, tenant.student_id, tenant.library_id, total_paise=118_050
    )
    return await created(apps, tenant.student, booking, "cashfree")


async def test_cashfree_order_in_rupees_and_signed_webhook_capture_the_payment(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment = await _order(apps, fakes, tenant)
    order_id = payment["checkout"]["order_id"]
    order = fakes.cashfree.orders[order_id]
    assert order["order_amount"] == 1180.5
    assert order["order_currency"] == "INR"
    assert payment["checkout"]["payment_session_id"] == order["payment_session_id"]

    paid = fakes.cashfree.pay(order_id)
    raw, headers = fakes.cashfree.webhook(
        "PAYMENT_SUCCESS_WEBHOOK", order_id=order_id, payment=paid
    )
    resp = await deliver(apps, "cashfree", raw, headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "processed"
    again = await deliver(apps, "cashfree", raw, headers)
    assert again.json()["status"] == "duplicate"
    done = await get_payment(apps, tenant.student, payment["id"])
    assert (done["status"], done["provider_payment_id"]) == ("captured", paid["cf_payment_id"])
    invoice = await apps.client("payment").get(
        f"{PAYMENTS}/{payment['id']}/invoice?format=pdf", headers=tenant.student.headers
    )
    assert invoice.status_code == 200
    assert invoice.content.startswith(b"%PDF")


async def test_stale_or_forged_cashfree_webhooks_change_nothing(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment = await _order(apps, fakes, tenant)
    order_id = payment["checkout"]["order_id"]
    paid = fakes.cashfree.pay(order_id)
    an_hour_ago = int((time.time() - 3600) * 1000)
    stale = fakes.cashfree.webhook(
        "PAYMENT_SUCCESS_WEBHOOK", order_id=order_id, payment=paid, timestamp_ms=an_hour_ago
    )
    assert (await deliver(apps, "cashfree", *stale)).status_code == 400
    forged = fakes.cashfree.webhook(
        "PAYMENT_SUCCESS_WEBHOOK", order_id=order_id, payment=paid, secret="cfsk_ma_test_guess"
    )
    assert (await deliver(apps, "cashfree", *forged)).status_code == 400
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "created"


async def test_a_failure_after_the_capture_leaves_it_captured(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment = await _order(apps, fakes, tenant)
    order_id = payment["checkout"]["order_id"]
    failed_try = fakes.cashfree.pay(order_id, succeed=False)
    success = fakes.cashfree.pay(order_id)
    ok = fakes.cashfree.webhook("PAYMENT_SUCCESS_WEBHOOK", order_id=order_id, payment=success)
    late = fakes.cashfree.webhook("PAYMENT_FAILED_WEBHOOK", order_id=order_id, payment=failed_try)
    assert (await deliver(apps, "cashfree", *ok)).json()["status"] == "processed"
    assert (await deliver(apps, "cashfree", *late)).status_code == 200
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "captured"


async def test_cashfree_refund_is_processed_by_its_webhook(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment = await _order(apps, fakes, tenant)
    order_id = payment["checkout"]["order_id"]
    paid = fakes.cashfree.pay(order_id)
    await deliver(
        apps,
        "cashfree",
        *fakes.cashfree.webhook("PAYMENT_SUCCESS_WEBHOOK", order_id=order_id, payment=paid),
    )
    resp = await apps.client("payment").post(
        f"{PAYMENTS}/{payment['id']}/refunds",
        json={"amount_paise": 118_050, "reason": "Booking cancelled"},
        headers=tenant.owner.headers,
    )
    assert resp.status_code == 201, resp.text
    refund = resp.json()
    assert fakes.cashfree.refunds[order_id][0]["refund_amount"] == 1180.5
    done = fakes.cashfree.process_refund(order_id, refund["provider_refund_id"])
    hook = fakes.cashfree.webhook("REFUND_STATUS_WEBHOOK", order_id=order_id, refund=done)
    assert (await deliver(apps, "cashfree", *hook)).json()["status"] == "processed"
    after = await get_payment(apps, tenant.owner, payment["id"])
    assert (after["status"], after["refunded_paise"]) == ("refunded", 118_050)


async def test_reconciliation_settles_a_cashfree_payment_without_webhook(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    from studyspot.services.payment.reconcile import reconcile

    payment = await _order(apps, fakes, tenant)
    fakes.cashfree.pay(payment["checkout"]["order_id"])
    app = apps.app("payment")
    report = await reconcile(
        app.state.kit.core, app.state.kit.tenants, app.state.payment, older_than_minutes=0
    )
    assert report.captured == 1
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "captured"
