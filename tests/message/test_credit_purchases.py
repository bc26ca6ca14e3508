"""Credits bought from StudySpot: a Razorpay order on the platform's own account (the fake),
paid once into the wallet with the platform's GST invoice however often Razorpay's webhook
is replayed, whichever of Checkout's answer and the webhook comes first; a forged one is a
400 that adds nothing, a failed payment adds nothing, and another tenant's purchase is 404."""

from __future__ import annotations

from typing import Any

from tests.conftest import Apps
from tests.fakes.razorpay import FakeRazorpay
from tests.fixtures.messages import run_consumers
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
    from studyspot.services.subscription.runtime import runtime_of

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
