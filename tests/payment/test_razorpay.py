"""Razorpay through the official SDK against the local fake: orders, checkout, webhooks, refunds."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import Table, select

from studyspot.kit.models import audit_logs, outbox_events
from studyspot.kit.once import OncePerWindow
from tests.conftest import Apps
from tests.fixtures.payments import (
    PAYMENTS,
    Fakes,
    Tenant,
    connect_razorpay,
    created,
    deliver,
    get_payment,
    make_tenant,
)


async def _order(apps: Apps, fakes: Fakes, tenant: Tenant) -> tuple[uuid.UUID, dict[str, Any]]:
    await connect_razorpay(apps, tenant, fakes)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await created(apps, tenant.student, booking, "razorpay")
    return booking, payment


async def _tenant_rows(apps: Apps, table: Table, tenant_id: uuid.UUID) -> list[Any]:
    db = apps.app("payment").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        return list(await conn.execute(select(table).where(table.c.tenant_id == tenant_id)))


async def test_razorpay_order_checkout_and_webhook_capture_the_payment(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    booking, payment = await _order(apps, fakes, tenant)
    checkout = payment["checkout"]
    assert payment["status"] == "created"
    assert checkout["key_id"] == tenant.keys["razorpay_key_id"]
    order = fakes.razorpay.orders[checkout["order_id"]]
    assert (order["amount"], order["currency"], order["receipt"]) == (
        150_000,
        "INR",
        uuid.UUID(payment["id"]).hex,
    )

    answer = fakes.razorpay.checkout(checkout["order_id"])
    verified = await apps.client("payment").post(
        f"{PAYMENTS}/{payment['id']}/checkout", json=answer, headers=tenant.student.headers
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "pending"

    raw, headers = fakes.razorpay.webhook(
        "payment.captured", payment_id=answer["razorpay_payment_id"]
    )
    resp = await deliver(apps, "razorpay", raw, headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "processed"
    paid = await get_payment(apps, tenant.student, payment["id"])
    assert paid["status"] == "captured"
    assert paid["provider_payment_id"] == answer["razorpay_payment_id"]
    events = [
        e
        for e in await _tenant_rows(apps, outbox_events, tenant.tenant_id)
        if e.topic == "payment.captured"
    ]
    assert len(events) == 1
    captured = events[0].payload
    # What the message service's receipt and the analytics read from the event, no more.
    assert captured == {
        "payment_id": payment["id"],
        "booking_id": str(booking),
        "tenant_id": str(tenant.tenant_id),
        "amount_paise": 150_000,
        "student_id": paid["student_id"],
        "library_id": str(tenant.library_id),
        "invoice_number": captured["invoice_number"],
        "invoice_kind": "tax_invoice",
        "captured_at": captured["captured_at"],
    }
    assert captured["invoice_number"].startswith("INV/")
    pdf = await apps.client("payment").get(
        f"{PAYMENTS}/{payment['id']}/invoice",
        headers={**tenant.student.headers, "Accept": "application/pdf"},
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


async def test_a_forged_checkout_signature_is_refused(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    _, payment = await _order(apps, fakes, tenant)
    answer = fakes.razorpay.checkout(payment["checkout"]["order_id"])
    answer["razorpay_signature"] = "0" * 64
    resp = await apps.client("payment").post(
        f"{PAYMENTS}/{payment['id']}/checkout", json=answer, headers=tenant.student.headers
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid_signature"
    assert (await get_payment(apps, tenant.student, payment["id"]))["status"] == "created"


async def test_the_same_webhook_ten_times_and_a_late_failure_capture_once(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    _, payment = await _order(apps, fakes, tenant)
    answer = fakes.razorpay.checkout(payment["checkout"]["order_id"])
    raw, headers = fakes.razorpay.webhook(
        "payment.captured", payment_id=answer["razorpay_payment_id"]
    )
    replies = await asyncio.gather(*(deliver(apps, "razorpay", raw, headers) for _ in range(10)))
    assert sorted(r.json()["status"] for r in replies) == ["duplicate"] * 9 + ["processed"]

    order_paid = fakes.razorpay.webhook("order.paid", payment_id=answer["razorpay_payment_id"])
    assert (await deliver(apps, "razorpay", *order_paid)).json()["status"] == "processed"
    # Out of order: Razorpay reports a failure of the same payment after its capture.
    fakes.razorpay.payments[answer["razorpay_payment_id"]]["status"] = "failed"
    late = fakes.razorpay.webhook("payment.failed", payment_id=answer["razorpay_payment_id"])
    assert (await deliver(apps, "razorpay", *late)).status_code == 200

    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "captured"
    events = await _tenant_rows(apps, outbox_events, tenant.tenant_id)
    assert [e.topic for e in events].count("payment.captured") == 1
    assert [e.topic for e in events].count("payment.failed") == 0
    dues = (
        await apps.client("payment").get(
            f"{PAYMENTS}/dues?include_settled=true", headers=tenant.owner.headers
        )
    ).json()
    assert dues["items"][0]["paid_paise"] == 150_000


async def test_forged_and_foreign_webhooks_are_refused_and_audited(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    # The app outlives one test: a fresh audit gate on a clock that stays in one minute.
    apps.app("payment").state.webhook_refusals.audited = OncePerWindow(60.0, clock=lambda: 0.0)
    _, payment = await _order(apps, fakes, tenant)
    answer = fakes.razorpay.checkout(payment["checkout"]["order_id"])
    forged = fakes.razorpay.webhook(
        "payment.captured", payment_id=answer["razorpay_payment_id"], secret="not-the-secret"
    )
    resp = await deliver(apps, "razorpay", *forged)
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid_signature"
    raw, headers = fakes.razorpay.webhook(
        "payment.captured", payment_id=answer["razorpay_payment_id"]
    )
    tampered = raw.replace(b'"amount": 150000', b'"amount": 100')
    assert (await deliver(apps, "razorpay", tampered, headers)).status_code == 400

    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "created"
    refused = [
        a
        for a in await _tenant_rows(apps, audit_logs, tenant.tenant_id)
        if a.action == "payment.webhook_refused"
    ]
    # Both from this one source within a minute: one audit row (test_webhook_replays.py).
    assert len(refused) == 1
    assert all(a.outcome == "refused" for a in refused)


async def test_tenant_a_keys_are_never_used_for_tenant_b(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    other = await make_tenant(apps)
    await connect_razorpay(apps, other, fakes)
    _, mine = await _order(apps, fakes, tenant)
    booking_b = fakes.bookings.add(other.tenant_id, other.student_id, other.library_id)
    theirs = await created(apps, other.student, booking_b, "razorpay")
    assert mine["checkout"]["key_id"] == tenant.keys["razorpay_key_id"]
    assert theirs["checkout"]["key_id"] == other.keys["razorpay_key_id"]
    owners = {order_id: key for order_id, key in fakes.razorpay.order_owner.items()}
    assert owners[mine["checkout"]["order_id"]] == tenant.keys["razorpay_key_id"]
    assert owners[theirs["checkout"]["order_id"]] == other.keys["razorpay_key_id"]

    # B's webhook secret cannot move A's payment, even naming A's order.
    answer = fakes.razorpay.checkout(mine["checkout"]["order_id"])
    signed_by_b = fakes.razorpay.webhook(
        "payment.captured",
        payment_id=answer["razorpay_payment_id"],
        secret=other.keys["razorpay_webhook"],
    )
    assert (await deliver(apps, "razorpay", *signed_by_b)).status_code == 400
    assert (await get_payment(apps, tenant.owner, mine["id"]))["status"] == "created"


async def test_refunds_never_exceed_the_capture_and_complete_by_webhook(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    _, payment = await _order(apps, fakes, tenant)
    answer = fakes.razorpay.checkout(payment["checkout"]["order_id"])
    await deliver(
        apps,
        "razorpay",
        *fakes.razorpay.webhook("payment.captured", payment_id=answer["razorpay_payment_id"]),
    )

    client = apps.client("payment")
    too_much = await client.post(
        f"{PAYMENTS}/{payment['id']}/refunds",
        json={"amount_paise": 150_001, "reason": "Seat changed"},
        headers=tenant.owner.headers,
    )
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "refund_exceeds_captured"

    part = await client.post(
        f"{PAYMENTS}/{payment['id']}/refunds",
        json={"amount_paise": 50_000, "reason": "Shorter stay"},
        headers=tenant.owner.headers,
    )
    assert part.status_code == 201, part.text
    refund = part.json()
    assert refund["status"] == "pending"
    rest_too_much = await client.post(
        f"{PAYMENTS}/{payment['id']}/refunds",
        json={"amount_paise": 100_001, "reason": "Again"},
        headers=tenant.owner.headers,
    )
    assert rest_too_much.status_code == 422

    fakes.razorpay.process_refund(refund["provider_refund_id"])
    processed = fakes.razorpay.webhook("refund.processed", refund_id=refund["provider_refund_id"])
    assert (await deliver(apps, "razorpay", *processed)).json()["status"] == "processed"
    after = await get_payment(apps, tenant.owner, payment["id"])
    assert (after["status"], after["refunded_paise"]) == ("partially_refunded", 50_000)
    [listed] = (
        await client.get(f"{PAYMENTS}/{payment['id']}/refunds", headers=tenant.owner.headers)
    ).json()
    assert listed["status"] == "processed"
    assert listed["credit_note_number"].startswith("CRN/")
    note = await client.get(f"{PAYMENTS}/{payment['id']}/invoice", headers=tenant.owner.headers)
    assert note.json()["credit_notes"] == [listed["credit_note_number"]]
    topics = [e.topic for e in await _tenant_rows(apps, outbox_events, tenant.tenant_id)]
    assert topics.count("refund.processed") == 1


async def test_reconciliation_settles_a_payment_whose_webhook_never_came(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    from studyspot.services.payment.reconcile import reconcile

    _, payment = await _order(apps, fakes, tenant)
    fakes.razorpay.checkout(payment["checkout"]["order_id"])
    app = apps.app("payment")
    report = await reconcile(
        app.state.kit.core, app.state.kit.tenants, app.state.payment, older_than_minutes=0
    )
    assert (report.checked, report.captured) == (1, 1)
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "captured"
    again = await reconcile(
        app.state.kit.core, app.state.kit.tenants, app.state.payment, older_than_minutes=0
    )
    assert again.checked == 0
