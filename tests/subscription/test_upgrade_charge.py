"""The upgrade's prorated amount is charged: a Razorpay one-off order (against the fake),
its `order.paid` webhook verified and handled once however often replayed, a platform GST
invoice to the paisa; a tenant paying by invoice gets an unpaid invoice at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.conftest import Apps
from tests.fakes.razorpay import FakeRazorpay
from tests.fixtures.subscriptions import CURRENT, PLANS, Clock, current
from tests.fixtures.users import LoggedIn, create_platform_user, register_owner
from tests.subscription.test_invoices import invoices
from tests.subscription.test_limits import on_plan, tiny_plan
from tests.subscription.test_razorpay import START, WEBHOOK, checked_out, razorpay

__all__ = ["razorpay"]

# Starter → Professional, quarterly (2 847.00 → 7 122.00), 1 April to 1 July 2026 (91 days),
# upgraded on 16 May: 46 days left. Credit 284 700 * 46 / 91 = 143 914.29 → 143 914;
# charge 712 200 * 46 / 91 = 360 013.19 → 360 013; due 216 099. Inside it 18 % GST:
# taxable 216 099 / 1.18 = 183 134.75 → 183 135; tax 32 964, CGST 16 482 + SGST 16 482.
DUE = 216_099


async def upgraded(apps: Apps, owner: LoggedIn, code: str) -> dict[str, Any]:
    api = apps.client("subscription")
    quote = await api.post(
        f"{CURRENT}/upgrade/quote", json={"plan_code": code}, headers=owner.headers
    )
    assert quote.status_code == 200, quote.text
    done = await api.post(
        f"{CURRENT}/upgrade",
        json={"plan_code": code, "expected_amount_paise": quote.json()["amount_due_paise"]},
        headers=owner.headers,
    )
    assert done.status_code == 200, done.text
    body: dict[str, Any] = quote.json()
    return body


async def test_the_prorated_amount_is_a_razorpay_order_paid_once_and_invoiced_to_the_paisa(
    apps: Apps, razorpay: FakeRazorpay
) -> None:
    owner = await register_owner(apps)
    clock = Clock(apps, START).install()
    sub_id = await checked_out(apps, owner)
    payment = razorpay.charge_subscription(sub_id)
    raw, headers = razorpay.subscription_webhook("subscription.charged", sub_id, payment_id=payment)
    api = apps.client("subscription")
    assert (await api.post(WEBHOOK, content=raw, headers=headers)).json()["outcome"] == "charged"

    clock.now = datetime(2026, 5, 16, tzinfo=UTC)
    quote = await upgraded(apps, owner, "professional")
    assert (quote["credit_paise"], quote["charge_paise"], quote["amount_due_paise"]) == (
        143_914,
        360_013,
        DUE,
    )
    assert len(await invoices(apps, owner)) == 1  # nothing invoiced before it is paid

    order = await api.post(f"{CURRENT}/upgrade/checkout", headers=owner.headers)
    assert order.status_code == 200, order.text
    body = order.json()
    assert (body["amount_paise"], body["to_plan"], body["provider"]) == (
        DUE,
        "professional",
        "razorpay",
    )
    made = razorpay.orders[body["provider_order_id"]]
    assert (made["amount"], made["currency"], made["notes"]["tenant_id"]) == (
        DUE,
        "INR",
        str(owner.tenant_id),
    )
    again = await api.post(f"{CURRENT}/upgrade/checkout", headers=owner.headers)
    assert again.json()["provider_order_id"] == body["provider_order_id"]  # one order

    paid = razorpay.checkout(body["provider_order_id"])
    raw, headers = razorpay.webhook("order.paid", payment_id=paid["razorpay_payment_id"])
    forged_raw, forged_headers = razorpay.webhook(
        "order.paid", payment_id=paid["razorpay_payment_id"], secret="not-the-secret"
    )
    forged = await api.post(WEBHOOK, content=forged_raw, headers=forged_headers)
    assert forged.status_code == 400 and forged.json()["code"] == "signature_invalid"
    assert len(await invoices(apps, owner)) == 1

    outcomes = []
    for _ in range(10):
        resp = await api.post(WEBHOOK, content=raw, headers=headers)
        assert resp.status_code == 200, resp.text
        outcomes.append(resp.json()["outcome"])
    assert outcomes == ["upgrade_paid"] + ["duplicate"] * 9
    # The same payment signed again (another event id, another moment) is still one payment.
    other_raw, other_headers = razorpay.webhook(
        "order.paid", payment_id=paid["razorpay_payment_id"]
    )
    replay = await api.post(WEBHOOK, content=other_raw, headers=other_headers)
    assert replay.status_code == 200, replay.text
    assert replay.json()["outcome"] == "duplicate"

    found = await invoices(apps, owner)
    assert len(found) == 2
    invoice = next(i for i in found if i["total_paise"] == DUE)
    assert invoice["plan_code"] == "professional"
    assert (invoice["taxable_paise"], invoice["cgst_paise"], invoice["sgst_paise"]) == (
        183_135,
        16_482,
        16_482,
    )
    assert invoice["igst_paise"] == 0
    # Paid: nothing is waiting any more.
    done = await api.post(f"{CURRENT}/upgrade/checkout", headers=owner.headers)
    assert done.status_code == 409
    assert (await current(apps, owner))["plan_code"] == "professional"


async def test_a_tenant_paying_by_invoice_gets_an_unpaid_invoice_for_the_upgrade(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    api = apps.client("subscription")
    made = await api.post(PLANS, json=tiny_plan(), headers=admin.headers)
    assert made.status_code == 201, made.text
    owner = await register_owner(apps)
    clock = Clock(apps, START).install()
    await on_plan(apps, owner, admin, "tiny", 10_000)  # paid by bank transfer
    assert len(await invoices(apps, owner)) == 1

    clock.now = datetime(2026, 4, 16, tzinfo=UTC)  # 15 of 30 days used
    quote = await upgraded(apps, owner, "starter")
    # Half the month left: credit 10 000 / 2 = 5 000, charge 99 900 / 2 = 49 950.
    assert (quote["credit_paise"], quote["charge_paise"], quote["amount_due_paise"]) == (
        5_000,
        49_950,
        44_950,
    )
    found = await invoices(apps, owner)
    assert len(found) == 2
    invoice: dict[str, Any] = next(i for i in found if i["total_paise"] == 44_950)
    assert invoice["plan_code"] == "starter"
    assert invoice["taxable_paise"] + invoice["cgst_paise"] + invoice["sgst_paise"] == 44_950
    assert invoice["reference"].startswith("upgrade:")
    # No Razorpay order for it: it is paid by invoice.
    refused = await api.post(f"{CURRENT}/upgrade/checkout", headers=owner.headers)
    assert refused.status_code == 409
