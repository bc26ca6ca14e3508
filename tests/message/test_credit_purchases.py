"""Credits bought from StudySpot: a Razorpay or Cashfree order on the platform's own account
(the fakes), paid once into the wallet with the platform's GST invoice however often the
provider's webhook is replayed, whichever of the checkout's end and the webhook comes
first; a forged one is a 400 that adds nothing, a failed payment adds nothing, a provider
the platform has not set up is refused, another tenant's purchase is 404, and a purchase
left unpaid past the expiry is abandoned but still credited when the money comes."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from studyspot.kit import periodic
from studyspot.services.message import credit_purchases
from studyspot.services.subscription.runtime import runtime_of
from tests.conftest import Apps
from tests.fakes.cashfree import FakeCashfree, credentials
from tests.fakes.razorpay import FakeRazorpay
from tests.fixtures.messages import Clock, run_consumers
from tests.fixtures.students import create_library, create_staff
from tests.fixtures.subscriptions import CURRENT
from tests.fixtures.users import LoggedIn, register_owner
from tests.subscription.test_invoices import pdf_text
from tests.subscription.test_razorpay import WEBHOOK, razorpay

__all__ = ["razorpay"]

CREDITS = "/api/messages/credits"


async def bought(apps: Apps, who: LoggedIn, amount: int) -> dict[str, Any]:
    resp = await apps.client("message").post(
        f"{CREDITS}/purchases", json={"amount_paise": amount}, headers=who.headers
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def wallet(apps: Apps, owner: LoggedIn) -> tuple[int, list[tuple[str, int]]]:
    api = apps.client("message")
    balance = (await api.get(CREDITS, headers=owner.headers)).json()["balance_paise"]
    rows = (await api.get(f"{CREDITS}/ledger", headers=owner.headers)).json()["items"]
    return balance, [(r["entry"], r["amount_paise"]) for r in rows]


async def test_a_pack_paid_through_the_platform_is_credited_once_however_often_replayed(
    apps: Apps, razorpay: FakeRazorpay
) -> None:
    owner = await register_owner(apps)
    packs = (await apps.client("message").get(f"{CREDITS}/packs", headers=owner.headers)).json()
    assert 100_000 in packs["packs_paise"]
    # Asked twice under one Idempotency-Key (a double click, a retry): one purchase, one order.
    keyed = {**owner.headers, "Idempotency-Key": "buy-1000-once"}
    first, again = [
        await apps.client("message").post(
            f"{CREDITS}/purchases", json={"amount_paise": 100_000}, headers=keyed
        )
        for _ in range(2)
    ]
    assert first.status_code == again.status_code == 201, first.text
    order = first.json()
    assert again.json()["id"] == order["id"] and len(razorpay.orders) == 1
    made = razorpay.orders[order["provider_order_id"]]
    # StudySpot's account (the key Checkout opens with), for this tenant's purchase.
    assert order["key_id"] == razorpay_key(apps)
    assert (made["amount"], made["notes"]["purpose"], made["notes"]["tenant_id"]) == (
        100_000,
        "message_credits",
        str(owner.tenant_id),
    )
    assert order["status"] == "ordered" and order["checkout_script_url"]

    paid = razorpay.checkout(order["provider_order_id"])
    raw, headers = razorpay.webhook("order.paid", payment_id=paid["razorpay_payment_id"])
    forged_raw, forged_headers = razorpay.webhook(
        "order.paid", payment_id=paid["razorpay_payment_id"], secret="not-the-secret"
    )
    api = apps.client("subscription")
    forged = await api.post(WEBHOOK, content=forged_raw, headers=forged_headers)
    assert forged.status_code == 400 and forged.json()["code"] == "signature_invalid"
    await run_consumers(apps)
    assert await wallet(apps, owner) == (0, [])

    outcomes = []
    for _ in range(10):
        resp = await api.post(WEBHOOK, content=raw, headers=headers)
        assert resp.status_code == 200, resp.text
        outcomes.append(resp.json()["outcome"])
        await run_consumers(apps)
    assert outcomes == ["credits_purchased"] + ["duplicate"] * 9
    assert await wallet(apps, owner) == (100_000, [("purchase", 100_000)])

    # Checkout's answer after the webhook: the same paid purchase, nothing more.
    verify = await apps.client("message").post(
        f"{CREDITS}/purchases/{order['id']}/verify", json=paid, headers=owner.headers
    )
    assert verify.status_code == 200, verify.text
    purchase = verify.json()
    assert purchase["status"] == "paid"
    assert purchase["provider_payment_id"] == paid["razorpay_payment_id"]
    assert await wallet(apps, owner) == (100_000, [("purchase", 100_000)])

    # One platform GST invoice for it, among the tenant's StudySpot invoices.
    invoices = (await api.get(f"{CURRENT}/invoices", headers=owner.headers)).json()["items"]
    credit_invoices = [i for i in invoices if i["plan_code"] == "message_credits"]
    assert [i["invoice_number"] for i in credit_invoices] == [purchase["invoice_number"]]
    assert credit_invoices[0]["total_paise"] == 100_000
    pdf = await api.get(
        f"{CURRENT}/invoices/{credit_invoices[0]['id']}",
        params={"format": "pdf"},
        headers=owner.headers,
    )
    text = pdf_text(pdf.content)
    assert "message credits" in text and purchase["invoice_number"] in text

    listed = await apps.client("message").get(f"{CREDITS}/purchases", headers=owner.headers)
    assert [p["id"] for p in listed.json()["items"]] == [order["id"]]


def razorpay_key(apps: Apps) -> str:
    return runtime_of(apps.app("subscription")).config.razorpay_key_id


async def test_checkout_answer_credits_at_once_and_forged_or_failed_adds_nothing(
    apps: Apps, razorpay: FakeRazorpay
) -> None:
    owner = await register_owner(apps)
    library = await create_library(apps, owner)
    manager = await create_staff(apps, owner, [library], role="manager")
    clerk = await create_staff(apps, owner, [library])
    api = apps.client("message")
    # Managers buy too; desk staff do not.
    refused = await api.post(
        f"{CREDITS}/purchases", json={"amount_paise": 50_000}, headers=clerk.headers
    )
    assert refused.status_code == 403
    # Neither a pack nor whole rupees within the limits.
    for amount in (5_000, 12_345, 5_000_000):
        bad = await api.post(
            f"{CREDITS}/purchases", json={"amount_paise": amount}, headers=manager.headers
        )
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_credit_amount", amount
    assert razorpay.orders == {}

    order = await bought(apps, manager, 12_300)  # ₹123, an amount of their choosing
    paid = razorpay.checkout(order["provider_order_id"])
    verify = f"{CREDITS}/purchases/{order['id']}/verify"
    forged = await api.post(
        verify, json={**paid, "razorpay_signature": "0" * 64}, headers=manager.headers
    )
    assert forged.status_code == 400 and forged.json()["code"] == "signature_invalid"
    # Another tenant cannot even see it.
    other = await register_owner(apps)
    assert (await api.post(verify, json=paid, headers=other.headers)).status_code == 404
    assert await wallet(apps, owner) == (0, [])

    done = await api.post(verify, json=paid, headers=manager.headers)
    assert done.status_code == 200, done.text
    again = await api.post(verify, json=paid, headers=manager.headers)
    assert again.json()["invoice_number"] == done.json()["invoice_number"]
    await run_consumers(apps)  # the sale's event finds it settled
    assert await wallet(apps, owner) == (12_300, [("purchase", 12_300)])

    # A payment that failed: not captured, nothing added, the purchase still ordered.
    failing = await bought(apps, owner, 50_000)
    failed = razorpay.checkout(failing["provider_order_id"], succeed=False)
    resp = await api.post(
        f"{CREDITS}/purchases/{failing['id']}/verify", json=failed, headers=owner.headers
    )
    assert resp.status_code == 409 and resp.json()["code"] == "payment_not_captured"
    await run_consumers(apps)
    assert await wallet(apps, owner) == (12_300, [("purchase", 12_300)])
    statuses = await api.get(f"{CREDITS}/purchases", headers=owner.headers)
    assert sorted(p["status"] for p in statuses.json()["items"]) == ["ordered", "paid"]


# --- Cashfree: StudySpot's other account -------------------------------------------------

CASHFREE_WEBHOOK = "/api/v1/subscriptions/cashfree/webhook"


@pytest.fixture
async def cashfree(apps: Apps) -> AsyncIterator[FakeCashfree]:
    """StudySpot's own Cashfree account on the local fake (`SUBSCRIPTION_CASHFREE_*`)."""
    fake = FakeCashfree()
    await fake.start()
    client_id, secret = credentials()
    fake.add_account(client_id, secret)
    config = runtime_of(apps.app("subscription")).config
    config.cashfree_client_id, config.cashfree_client_secret = client_id, secret
    config.cashfree_base_url = fake.url
    try:
        yield fake
    finally:
        await fake.stop()


async def test_a_cashfree_pack_is_credited_once_across_ten_webhook_replays(
    apps: Apps, razorpay: FakeRazorpay, cashfree: FakeCashfree
) -> None:
    owner = await register_owner(apps)
    api = apps.client("message")
    packs = (await api.get(f"{CREDITS}/packs", headers=owner.headers)).json()
    assert packs["providers"] == ["razorpay", "cashfree"]  # Razorpay first: the default
    keyed = {**owner.headers, "Idempotency-Key": "buy-cashfree-once"}
    body = {"amount_paise": 100_000, "provider": "cashfree"}
    first, again = [
        await api.post(f"{CREDITS}/purchases", json=body, headers=keyed) for _ in range(2)
    ]
    assert first.status_code == again.status_code == 201, first.text
    order = first.json()
    assert again.json() == order and len(cashfree.orders) == 1 and razorpay.orders == {}
    made = cashfree.orders[order["provider_order_id"]]
    # On StudySpot's account, made with an idempotency key, tagged with the purchase; the
    # answer is what Cashfree's JS SDK opens with (no Razorpay key).
    assert [k for _, k in cashfree.idempotency] == [order["provider_order_id"]]
    assert (made["order_amount"], made["order_tags"]) == (
        1000,
        {
            "purpose": "message_credits",
            "tenant_id": str(owner.tenant_id),
            "purchase_id": order["id"],
        },
    )
    assert (order["provider"], order["status"], order["key_id"]) == ("cashfree", "ordered", None)
    assert order["payment_session_id"] == made["payment_session_id"]
    assert order["cashfree_mode"] == "production"
    assert order["checkout_script_url"].endswith("/js/v3/cashfree.js")
    # The platform's client secret is in no answer the buyer sees.
    secret = runtime_of(apps.app("subscription")).config.cashfree_client_secret
    assert secret not in first.text and secret not in json.dumps(packs)

    payment = cashfree.pay(order["provider_order_id"])
    oid = order["provider_order_id"]
    raw, headers = cashfree.webhook("PAYMENT_SUCCESS_WEBHOOK", order_id=oid, payment=payment)
    subscription = apps.client("subscription")
    for forged_raw, forged_headers in (
        cashfree.webhook("PAYMENT_SUCCESS_WEBHOOK", order_id=oid, payment=payment, secret="x"),
        cashfree.webhook(  # signed, but an hour old: a replay outside the window
            "PAYMENT_SUCCESS_WEBHOOK",
            order_id=oid,
            payment=payment,
            timestamp_ms=int((time.time() - 3600) * 1000),
        ),
        (raw.replace(b'"SUCCESS"', b'"SUCCESS" '), headers),  # the body altered
    ):
        forged = await subscription.post(
            CASHFREE_WEBHOOK, content=forged_raw, headers=forged_headers
        )
        assert forged.status_code == 400 and forged.json()["code"] == "signature_invalid"
    await run_consumers(apps)
    assert await wallet(apps, owner) == (0, [])

    outcomes = []
    for _ in range(10):
        resp = await subscription.post(CASHFREE_WEBHOOK, content=raw, headers=headers)
        assert resp.status_code == 200, resp.text
        outcomes.append(resp.json()["outcome"])
    assert outcomes == ["credits_purchased"] + ["duplicate"] * 9
    # The sale's event handed to the consumer twice (a redelivery) adds nothing either.
    await run_consumers(apps)
    await run_consumers(apps)
    assert await wallet(apps, owner) == (100_000, [("purchase", 100_000)])

    # The console's confirmation after the webhook (no body for Cashfree): the same sale.
    verify = await api.post(f"{CREDITS}/purchases/{order['id']}/verify", headers=owner.headers)
    assert verify.status_code == 200, verify.text
    purchase = verify.json()
    assert (purchase["status"], purchase["provider_payment_id"]) == (
        "paid",
        payment["cf_payment_id"],
    )
    assert await wallet(apps, owner) == (100_000, [("purchase", 100_000)])
    invoices = (await subscription.get(f"{CURRENT}/invoices", headers=owner.headers)).json()
    assert [i["invoice_number"] for i in invoices["items"]] == [purchase["invoice_number"]]
    listed = (await api.get(f"{CREDITS}/purchases", headers=owner.headers)).json()["items"]
    assert [(p["provider"], p["status"]) for p in listed] == [("cashfree", "paid")]


async def test_the_provider_not_configured_is_refused_and_the_configured_one_is_the_default(
    apps: Apps, cashfree: FakeCashfree
) -> None:
    owner = await register_owner(apps)
    api = apps.client("message")
    packs = (await api.get(f"{CREDITS}/packs", headers=owner.headers)).json()
    assert packs["providers"] == ["cashfree"]
    refused = await api.post(
        f"{CREDITS}/purchases",
        json={"amount_paise": 50_000, "provider": "razorpay"},
        headers=owner.headers,
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "credit_provider_not_configured"
    unknown = await api.post(
        f"{CREDITS}/purchases",
        json={"amount_paise": 50_000, "provider": "paypal"},
        headers=owner.headers,
    )
    assert unknown.status_code == 422
    order = await bought(apps, owner, 50_000)  # no provider: the one configured
    assert order["provider"] == "cashfree" and len(cashfree.orders) == 1
    verify = f"{CREDITS}/purchases/{order['id']}/verify"
    # Not paid yet: Cashfree has no successful payment for the order, nothing is added.
    unpaid = await api.post(verify, headers=owner.headers)
    assert unpaid.status_code == 409 and unpaid.json()["code"] == "payment_not_captured"
    # A Razorpay answer does not fit a Cashfree purchase.
    razorpay_answer = {
        "razorpay_order_id": "order_A1",
        "razorpay_payment_id": "pay_A1",
        "razorpay_signature": "0" * 64,
    }
    misfit = await api.post(verify, json=razorpay_answer, headers=owner.headers)
    assert misfit.status_code == 422, misfit.text
    # Another tenant can neither see nor confirm it, even once it is paid.
    cashfree.pay(order["provider_order_id"])
    other = await register_owner(apps)
    assert (await api.post(verify, headers=other.headers)).status_code == 404
    theirs = await api.get(f"{CREDITS}/purchases", headers=other.headers)
    assert theirs.json()["items"] == []
    assert await wallet(apps, other) == (0, [])
    # The buyer's console confirms it: credited at once (Cashfree asked), once.
    for _ in range(2):
        done = await api.post(verify, headers=owner.headers)
        assert done.status_code == 200 and done.json()["status"] == "paid", done.text
    await run_consumers(apps)
    assert await wallet(apps, owner) == (50_000, [("purchase", 50_000)])


async def test_an_unpaid_purchase_is_abandoned_after_the_expiry_and_a_late_payment_credits_it(
    apps: Apps, cashfree: FakeCashfree
) -> None:
    owner = await register_owner(apps)
    order = await bought(apps, owner, 50_000)
    clock = Clock(apps, datetime.now(UTC))
    runtime = apps.app("message").state.message
    core = apps.app("message").state.kit.core

    async def sweep() -> int:
        return await credit_purchases.sweep_abandoned(
            apps.app("message").state.kit, runtime.config, runtime.dispatcher.clock
        )

    async def statuses() -> list[str]:
        rows = await apps.client("message").get(f"{CREDITS}/purchases", headers=owner.headers)
        return [p["status"] for p in rows.json()["items"]]

    clock.advance(hours=23, minutes=59)  # within MESSAGE_CREDIT_PURCHASE_EXPIRY_HOURS (24)
    assert await sweep() == 0 and await statuses() == ["ordered"]
    clock.advance(minutes=2)
    # The periodic job's round: one instance per period (on PostgreSQL a second offer in
    # the same period is skipped; on the embedded SQLite every round runs).
    marked: list[int] = []

    async def job() -> None:
        marked.append(await sweep())

    ran = [await periodic.once(core, credit_purchases.SWEEP_JOB, 3600, job) for _ in range(2)]
    assert ran == ([True, True] if core.sqlite else [True, False])
    assert marked[0] == 1 and sum(marked) == 1
    assert await statuses() == ["abandoned"]

    # The person paid after all (a slow bank): Cashfree's webhook still credits it, once.
    payment = cashfree.pay(order["provider_order_id"])
    raw, headers = cashfree.webhook(
        "PAYMENT_SUCCESS_WEBHOOK", order_id=order["provider_order_id"], payment=payment
    )
    for _ in range(2):
        told = await apps.client("subscription").post(
            CASHFREE_WEBHOOK, content=raw, headers=headers
        )
        assert told.status_code == 200, told.text
        await run_consumers(apps)
    assert await wallet(apps, owner) == (50_000, [("purchase", 50_000)])
    assert await statuses() == ["paid"]
    clock.advance(hours=48)
    assert await sweep() == 0 and await statuses() == ["paid"]
