"""The upgrade's prorated amount is charged, and the plan bought applies only once it is
paid: a Razorpay one-off order (against the fake), its `order.paid` webhook verified and
handled once however often replayed, or Checkout's signed answer checked against the
captured payment, then a platform GST invoice to the paisa; unpaid within the checkout
window the upgrade lapses and a late payment is refund due. A tenant paying by invoice
gets an unpaid invoice at once, which a platform admin marks paid (then the plan applies)
or which turns void when the period ends unpaid."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from studyspot.kit.models import audit_logs
from tests.conftest import Apps
from tests.fakes.razorpay import FakeRazorpay
from tests.fixtures.subscriptions import (
    CURRENT,
    PLANS,
    SUBSCRIPTIONS,
    Clock,
    current,
    run_lifecycle,
)
from tests.fixtures.users import LoggedIn, create_platform_user, register_owner
from tests.subscription.test_invoices import invoices, pdf_text
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
        # As the console confirms: with the quote's moment, so the seconds between the
        # two calls on a loaded machine cannot move the amount by a paisa (409).
        json={
            "plan_code": code,
            "expected_amount_paise": quote.json()["amount_due_paise"],
            "quoted_at": quote.json()["quoted_at"],
        },
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
    # Confirmed, not paid: the tenant keeps Starter, and the upgrade waits 30 minutes.
    waiting = await current(apps, owner)
    assert waiting["plan_code"] == "starter"
    pending = waiting["pending_upgrade"]
    assert (pending["to_plan"], pending["amount_paise"], pending["status"]) == (
        "professional",
        DUE,
        "due",
    )
    assert pending["expires_at"] == "2026-05-16T00:30:00Z"

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
    now = await current(apps, owner)
    assert (now["plan_code"], now["pending_upgrade"]) == ("professional", None)


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
    assert (invoice["status"], invoice["paid_at"]) == ("unpaid", None)
    # No Razorpay order for it: it is paid by invoice.
    refused = await api.post(f"{CURRENT}/upgrade/checkout", headers=owner.headers)
    assert refused.status_code == 409
    # Until it is paid the tenant keeps Tiny's limits; the upgrade waits for the invoice.
    waiting = await current(apps, owner)
    assert (waiting["plan_code"], waiting["max_seats"]) == ("tiny", 40)
    pending = waiting["pending_upgrade"]
    assert (pending["status"], pending["invoice_id"], pending["expires_at"]) == (
        "invoiced",
        invoice["id"],
        "2026-05-01T00:00:00Z",  # payable until the period ends
    )

    url = f"{SUBSCRIPTIONS}/tenants/{owner.tenant_id}/invoices/{invoice['id']}/payment"
    by_owner = await api.post(
        url, json={"amount_paise": 44_950, "reference": "UTR1"}, headers=owner.headers
    )
    assert by_owner.status_code == 403
    short = await api.post(
        url, json={"amount_paise": 44_900, "reference": "UTR1"}, headers=admin.headers
    )
    assert short.status_code == 422 and short.json()["code"] == "amount_mismatch"
    other = await register_owner(apps)
    elsewhere = await api.post(
        f"{SUBSCRIPTIONS}/tenants/{other.tenant_id}/invoices/{invoice['id']}/payment",
        json={"amount_paise": 44_950, "reference": "UTR1"},
        headers=admin.headers,
    )
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "invoice_not_found"
    assert (await current(apps, owner))["plan_code"] == "tiny"

    clock.now = datetime(2026, 4, 20, tzinfo=UTC)
    paid = await api.post(
        url, json={"amount_paise": 44_950, "reference": "UTR44950"}, headers=admin.headers
    )
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["paid_at"]) == ("paid", "2026-04-20T00:00:00Z")
    now = await current(apps, owner)
    assert (now["plan_code"], now["max_seats"], now["pending_upgrade"]) == (
        "starter",
        100,
        None,
    )
    # Told twice (the same transfer): nothing more happens. Another payment: 409.
    again = await api.post(
        url, json={"amount_paise": 44_950, "reference": "UTR44950"}, headers=admin.headers
    )
    assert again.status_code == 200 and again.json() == paid.json()
    twice = await api.post(
        url, json={"amount_paise": 44_950, "reference": "UTR99999"}, headers=admin.headers
    )
    assert twice.status_code == 409 and twice.json()["code"] == "invoice_already_paid"
    assert await topics(apps, owner, "subscription.invoice_paid") == 1
    assert await topics(apps, owner, "subscription.upgraded") == 1
    listed = await api.get(
        f"{SUBSCRIPTIONS}/tenants/{owner.tenant_id}/invoices", headers=admin.headers
    )
    assert [i["status"] for i in listed.json()["items"]] == ["paid", "paid"]


async def topics(apps: Apps, owner: LoggedIn, topic: str) -> int:
    """Audit rows of this topic for the owner's tenant."""
    async with apps.app("subscription").state.kit.core.engine.connect() as conn:
        found = await conn.execute(
            select(func.count())
            .select_from(audit_logs)
            .where(audit_logs.c.tenant_id == owner.tenant_id, audit_logs.c.action == topic)
        )
        return int(found.scalar() or 0)


async def test_an_unpaid_upgrade_invoice_is_void_when_the_period_ends(apps: Apps) -> None:
    admin = await create_platform_user(apps)
    api = apps.client("subscription")
    assert (await api.post(PLANS, json=tiny_plan(), headers=admin.headers)).status_code == 201
    owner = await register_owner(apps)
    clock = Clock(apps, START).install()
    await on_plan(apps, owner, admin, "tiny", 10_000)
    clock.now = datetime(2026, 4, 16, tzinfo=UTC)
    await upgraded(apps, owner, "starter")
    invoice = next(i for i in await invoices(apps, owner) if i["total_paise"] == 44_950)

    clock.now = datetime(2026, 5, 1, 0, 1, tzinfo=UTC)  # the period is over, unpaid
    url = f"{SUBSCRIPTIONS}/tenants/{owner.tenant_id}/invoices/{invoice['id']}/payment"
    late = await api.post(
        url, json={"amount_paise": 44_950, "reference": "UTR1"}, headers=admin.headers
    )
    assert late.status_code == 409 and late.json()["code"] == "invoice_void"
    await run_lifecycle(apps)
    voided = next(i for i in await invoices(apps, owner) if i["id"] == invoice["id"])
    assert voided["status"] == "void"
    after = await current(apps, owner)
    assert (after["plan_code"], after["pending_upgrade"]) == ("tiny", None)
    still = await api.post(
        url, json={"amount_paise": 44_950, "reference": "UTR1"}, headers=admin.headers
    )
    assert still.status_code == 409 and still.json()["code"] == "invoice_void"
    assert await topics(apps, owner, "subscription.upgrade_lapsed") == 1

    # The void invoice keeps its number; a GST credit note reverses all of it, numbered in
    # its own series for the financial year, at the invoice's rate and split.
    notes = await api.get(f"{CURRENT}/credit-notes", headers=owner.headers)
    assert notes.status_code == 200, notes.text
    (note,) = notes.json()["items"]
    assert (note["credit_note_number"], note["invoice_id"], note["invoice_number"]) == (
        "SS-CN/2026-27/000001",
        invoice["id"],
        invoice["invoice_number"],
    )
    amounts = ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "total_paise")
    assert [note[k] for k in amounts] == [invoice[k] for k in amounts]
    assert note["gst_rate_bps"] == 1800
    url = f"{CURRENT}/credit-notes/{note['id']}"
    doc = await api.get(url, params={"format": "pdf"}, headers=owner.headers)
    assert doc.status_code == 200 and doc.content.startswith(b"%PDF-")
    assert doc.headers["content-disposition"] == 'inline; filename="SS-CN-2026-27-000001.pdf"'
    text = pdf_text(doc.content)
    for expected in (
        "CREDIT NOTE",
        "SS-CN/2026-27/000001",
        str(invoice["invoice_number"]),
        "CGST @ 9%",
    ):
        assert expected in text, expected
    other = await register_owner(apps)
    assert (await api.get(url, headers=other.headers)).status_code == 404
    assert (await api.get(f"{CURRENT}/credit-notes", headers=other.headers)).json()["total"] == 0


async def paying_starter(apps: Apps, owner: LoggedIn, razorpay: FakeRazorpay) -> None:
    """On Starter quarterly through autopay since 1 April."""
    sub_id = await checked_out(apps, owner)
    payment = razorpay.charge_subscription(sub_id)
    raw, headers = razorpay.subscription_webhook("subscription.charged", sub_id, payment_id=payment)
    resp = await apps.client("subscription").post(WEBHOOK, content=raw, headers=headers)
    assert resp.json()["outcome"] == "charged"


async def test_checkouts_signed_answer_applies_the_upgrade_before_the_webhook(
    apps: Apps, razorpay: FakeRazorpay
) -> None:
    owner = await register_owner(apps)
    clock = Clock(apps, START).install()
    await paying_starter(apps, owner, razorpay)
    clock.now = datetime(2026, 5, 16, tzinfo=UTC)
    await upgraded(apps, owner, "professional")
    api = apps.client("subscription")
    order = (await api.post(f"{CURRENT}/upgrade/checkout", headers=owner.headers)).json()
    assert order["expires_at"] == "2026-05-16T00:30:00Z"
    answer = razorpay.checkout(order["provider_order_id"])
    verify = f"{CURRENT}/upgrade/verify"

    forged = await api.post(
        verify, json={**answer, "razorpay_signature": "0" * 64}, headers=owner.headers
    )
    assert forged.status_code == 400 and forged.json()["code"] == "signature_invalid"
    other = await register_owner(apps)
    theirs = await api.post(verify, json=answer, headers=other.headers)
    assert theirs.status_code == 409
    assert (await current(apps, owner))["plan_code"] == "starter"

    clock.move(minutes=29)
    done = await api.post(verify, json=answer, headers=owner.headers)
    assert done.status_code == 200, done.text
    assert done.json()["outcome"] == "upgrade_paid"
    assert (await current(apps, owner))["plan_code"] == "professional"
    # The webhook for the same payment, arriving after, finds it settled.
    raw, headers = razorpay.webhook("order.paid", payment_id=answer["razorpay_payment_id"])
    assert (await api.post(WEBHOOK, content=raw, headers=headers)).json()["outcome"] == (
        "duplicate"
    )
    again = await api.post(verify, json=answer, headers=owner.headers)
    assert again.json()["outcome"] == "duplicate"
    found = await invoices(apps, owner)
    assert sorted(int(str(i["total_paise"])) for i in found) == [DUE, 284_700]


async def test_an_upgrade_unpaid_within_the_checkout_window_lapses_and_a_late_payment_is_refund_due(
    apps: Apps, razorpay: FakeRazorpay
) -> None:
    owner = await register_owner(apps)
    clock = Clock(apps, START).install()
    await paying_starter(apps, owner, razorpay)
    clock.now = datetime(2026, 5, 16, tzinfo=UTC)
    await upgraded(apps, owner, "professional")
    api = apps.client("subscription")
    order = (await api.post(f"{CURRENT}/upgrade/checkout", headers=owner.headers)).json()

    clock.move(minutes=31)  # the owner left Checkout: nothing was paid in the window
    gone = await api.post(f"{CURRENT}/upgrade/checkout", headers=owner.headers)
    assert gone.status_code == 409
    await run_lifecycle(apps)
    after = await current(apps, owner)
    assert (after["plan_code"], after["price_paise"], after["pending_upgrade"]) == (
        "starter",
        284_700,
        None,
    )
    assert await topics(apps, owner, "subscription.upgrade_lapsed") == 1

    # The payment is captured anyway, late: the plan stays, the money is refund due.
    answer = razorpay.checkout(order["provider_order_id"])
    raw, headers = razorpay.webhook("order.paid", payment_id=answer["razorpay_payment_id"])
    late = await api.post(WEBHOOK, content=raw, headers=headers)
    assert late.json()["outcome"] == "refund_due"
    verified = await api.post(f"{CURRENT}/upgrade/verify", json=answer, headers=owner.headers)
    assert verified.json()["outcome"] == "duplicate"
    assert (await current(apps, owner))["plan_code"] == "starter"
    assert len(await invoices(apps, owner)) == 1  # no invoice for money to refund
    assert await topics(apps, owner, "subscription.upgrade_refund_due") == 1
    assert await topics(apps, owner, "subscription.upgraded") == 0


async def test_a_newer_upgrade_supersedes_an_unpaid_one_and_voids_its_invoice(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    api = apps.client("subscription")
    assert (await api.post(PLANS, json=tiny_plan(), headers=admin.headers)).status_code == 201
    owner = await register_owner(apps)
    clock = Clock(apps, START).install()
    await on_plan(apps, owner, admin, "tiny", 10_000)
    clock.now = datetime(2026, 4, 16, tzinfo=UTC)
    await upgraded(apps, owner, "starter")
    first = (await current(apps, owner))["pending_upgrade"]
    await upgraded(apps, owner, "professional")  # the owner changes its mind, unpaid
    second = (await current(apps, owner))["pending_upgrade"]
    # Half of Professional's month less half of Tiny's: 249 900 / 2 - 10 000 / 2.
    assert (second["to_plan"], second["amount_paise"]) == ("professional", 119_950)
    statuses = {i["id"]: i["status"] for i in await invoices(apps, owner)}
    assert (statuses[first["invoice_id"]], statuses[second["invoice_id"]]) == ("void", "unpaid")
    old = await api.post(
        f"{SUBSCRIPTIONS}/tenants/{owner.tenant_id}/invoices/{first['invoice_id']}/payment",
        json={"amount_paise": first["amount_paise"], "reference": "UTR1"},
        headers=admin.headers,
    )
    assert old.status_code == 409 and old.json()["code"] == "invoice_void"
    assert await topics(apps, owner, "subscription.upgrade_superseded") == 1
    notes = (await api.get(f"{CURRENT}/credit-notes", headers=owner.headers)).json()["items"]
    assert [(n["invoice_id"], n["total_paise"]) for n in notes] == [
        (first["invoice_id"], first["amount_paise"])
    ]
    assert (await current(apps, owner))["plan_code"] == "tiny"
