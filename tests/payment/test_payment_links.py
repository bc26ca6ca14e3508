"""Payment links from the desk: Razorpay (`POST /v1/payment_links` through the SDK) and Cashfree
(`POST /pg/links`) at the local fakes, paid by signed webhooks exactly once, settled by the
reconciler when the webhook is lost, cancelled, expired, refunded, and kept to their tenant."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

import httpx

from tests.conftest import Apps
from tests.fixtures.library import create_library, hire_staff
from tests.fixtures.payments import (
    PAYMENTS,
    Fakes,
    Tenant,
    connect_cashfree,
    connect_razorpay,
    deliver,
    get_payment,
    make_tenant,
)
from tests.fixtures.users import LoggedIn


async def _send_link(
    apps: Apps, who: LoggedIn, booking: uuid.UUID, provider: str, **extra: Any
) -> httpx.Response:
    return await apps.client("payment").post(
        f"{PAYMENTS}/links",
        json={"booking_id": str(booking), "provider": provider, **extra},
        headers=who.headers,
    )


async def _link(apps: Apps, tenant: Tenant, booking: uuid.UUID, provider: str) -> dict[str, Any]:
    resp = await _send_link(apps, tenant.owner, booking, provider)
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def _reconcile(apps: Apps) -> Any:
    from studyspot.services.payment.reconcile import reconcile

    app = apps.app("payment")
    return await reconcile(
        app.state.kit.core, app.state.kit.tenants, app.state.payment, older_than_minutes=0
    )


async def test_a_razorpay_link_is_made_for_the_balance_and_its_paid_webhook_captures_it_once(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    before = time.time()
    payment = await _link(apps, tenant, booking, "razorpay")

    assert (payment["method"], payment["status"]) == ("razorpay", "pending")
    link_id = payment["provider_order_id"]
    sent = fakes.razorpay.links[link_id]
    assert payment["checkout"]["link_url"] == sent["short_url"]
    assert (sent["amount"], sent["currency"], sent["reference_id"]) == (
        150_000,
        "INR",
        uuid.UUID(payment["id"]).hex,
    )
    assert sent["notify"] == {"sms": False, "email": False}
    assert sent["customer"]["name"] == "Priya Sharma"
    # A day by default, as the answer says.
    assert before + 86_400 - 5 <= sent["expire_by"] <= time.time() + 86_400
    expires = datetime.fromisoformat(payment["checkout"]["link_expires_at"])
    assert int(expires.timestamp()) == sent["expire_by"]

    paid = fakes.razorpay.pay_link(link_id)
    raw, headers = fakes.razorpay.webhook("payment_link.paid", link_id=link_id)
    first = await deliver(apps, "razorpay", raw, headers)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "processed"
    # Redelivered (same signed body, a fresh unsigned event id): nothing more happens.
    again = await deliver(apps, "razorpay", raw, {**headers, "X-Razorpay-Event-Id": "evt_other"})
    assert again.json()["status"] == "duplicate"

    done = await get_payment(apps, tenant.owner, payment["id"])
    assert (done["status"], done["provider_payment_id"]) == ("captured", paid["id"])
    assert done["invoice_number"] and done["checkout"] is None
    dues = await apps.client("payment").get(
        f"{PAYMENTS}/dues",
        params={"student_id": str(tenant.student_id)},
        headers=tenant.owner.headers,
    )
    assert dues.status_code == 200, dues.text
    assert not [d for d in dues.json()["items"] if d["balance_paise"] > 0]


async def test_a_forged_link_webhook_changes_nothing(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await _link(apps, tenant, booking, "razorpay")
    fakes.razorpay.pay_link(payment["provider_order_id"])
    raw, headers = fakes.razorpay.webhook(
        "payment_link.paid", link_id=payment["provider_order_id"], secret="not-the-secret"
    )
    resp = await deliver(apps, "razorpay", raw, headers)
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid_signature"
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "pending"


async def test_a_cashfree_link_is_paid_by_its_signed_link_event_once_and_refunded_on_its_order(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_cashfree(apps, tenant, fakes)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await _link(apps, tenant, booking, "cashfree")
    link_id = payment["provider_order_id"]
    sent = fakes.cashfree.links[link_id]
    assert (sent["link_amount"], sent["link_currency"]) == (1500, "INR")
    assert payment["checkout"]["link_url"] == sent["link_url"]
    assert sent["link_notify"] == {"send_sms": False, "send_email": False}
    assert datetime.fromisoformat(sent["link_expiry_time"]) == datetime.fromisoformat(
        payment["checkout"]["link_expires_at"]
    )

    fakes.cashfree.pay_link(link_id)
    hook = fakes.cashfree.link_webhook(link_id)
    assert (await deliver(apps, "cashfree", *hook)).json()["status"] == "processed"
    assert (await deliver(apps, "cashfree", *hook)).json()["status"] == "duplicate"
    stale = fakes.cashfree.link_webhook(link_id, timestamp_ms=int(time.time() * 1000) - 3_600_000)
    assert (await deliver(apps, "cashfree", *stale)).status_code == 400
    done = await get_payment(apps, tenant.owner, payment["id"])
    assert done["status"] == "captured"

    refund = await apps.client("payment").post(
        f"{PAYMENTS}/{payment['id']}/refunds",
        json={"amount_paise": 50_000, "reason": "Left early"},
        headers=tenant.owner.headers,
    )
    assert refund.status_code == 201, refund.text
    (order_id,) = fakes.cashfree.link_orders[link_id]
    assert [r["refund_amount"] for r in fakes.cashfree.refunds[order_id]] == [500]


async def test_the_reconciler_settles_a_paid_link_whose_webhook_was_lost_and_fails_an_expired_one(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    await connect_cashfree(apps, tenant, fakes)
    paid = await _link(
        apps,
        tenant,
        fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id),
        "razorpay",
    )
    lapsed = await _link(
        apps,
        tenant,
        fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id),
        "cashfree",
    )
    fakes.razorpay.pay_link(paid["provider_order_id"])
    fakes.cashfree.links[lapsed["provider_order_id"]]["link_status"] = "EXPIRED"

    report = await _reconcile(apps)
    assert (report.checked, report.captured, report.failed) == (2, 1, 1)
    assert (await get_payment(apps, tenant.owner, paid["id"]))["status"] == "captured"
    gone = await get_payment(apps, tenant.owner, lapsed["id"])
    assert (gone["status"], gone["failure_reason"]) == ("failed", "The payment link was expired")


async def test_one_open_link_per_booking_and_a_cancelled_link_frees_it_for_the_next(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    await connect_cashfree(apps, tenant, fakes)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    first = await _link(apps, tenant, booking, "razorpay")
    second = await _send_link(apps, tenant.owner, booking, "cashfree")
    assert second.status_code == 409
    assert second.json()["code"] == "payment_in_progress"

    cancel = f"{PAYMENTS}/{first['id']}/cancel-link"
    resp = await apps.client("payment").post(cancel, headers=tenant.owner.headers)
    assert resp.status_code == 200, resp.text
    assert (resp.json()["status"], resp.json()["failure_reason"]) == (
        "failed",
        "The payment link was cancelled",
    )
    assert fakes.razorpay.links[first["provider_order_id"]]["status"] == "cancelled"
    again = await apps.client("payment").post(cancel, headers=tenant.owner.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "link_not_cancellable"

    other = await _link(apps, tenant, booking, "cashfree")
    assert other["status"] == "pending"


async def test_cancelling_a_link_the_student_just_paid_captures_it_instead(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_cashfree(apps, tenant, fakes)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await _link(apps, tenant, booking, "cashfree")
    fakes.cashfree.pay_link(payment["provider_order_id"])  # the webhook is still on its way
    resp = await apps.client("payment").post(
        f"{PAYMENTS}/{payment['id']}/cancel-link", headers=tenant.owner.headers
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "captured"
    hook = fakes.cashfree.link_webhook(payment["provider_order_id"])
    assert (await deliver(apps, "cashfree", *hook)).status_code == 200
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "captured"


async def test_link_qr_is_the_links_url_while_it_is_open(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await _link(apps, tenant, booking, "razorpay")
    qr = await apps.client("payment").get(
        f"{PAYMENTS}/{payment['id']}/link-qr",
        params={"format": "svg"},
        headers=tenant.owner.headers,
    )
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/svg+xml"
    await apps.client("payment").post(
        f"{PAYMENTS}/{payment['id']}/cancel-link", headers=tenant.owner.headers
    )
    closed = await apps.client("payment").get(
        f"{PAYMENTS}/{payment['id']}/link-qr", headers=tenant.owner.headers
    )
    assert closed.status_code == 409


async def test_links_are_for_staff_of_the_tenant_within_the_documented_limits(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    student = await _send_link(apps, tenant.student, booking, "razorpay")
    assert student.status_code == 403
    for bad in ({"expires_in_minutes": 14}, {"expires_in_minutes": 43_201}, {"amount_paise": 1}):
        resp = await _send_link(apps, tenant.owner, booking, "razorpay", **bad)
        assert resp.status_code == 422, bad
    assert (await _send_link(apps, tenant.owner, booking, "upi")).status_code == 422
    assert not fakes.razorpay.links

    payment = await _link(apps, tenant, booking, "razorpay")
    other = await make_tenant(apps)
    stranger = await apps.client("payment").post(
        f"{PAYMENTS}/{payment['id']}/cancel-link", headers=other.owner.headers
    )
    assert stranger.status_code == 404
    theirs = await _send_link(apps, other.owner, booking, "razorpay")
    assert theirs.status_code == 404
    assert fakes.razorpay.links[payment["provider_order_id"]]["status"] == "created"


async def test_a_clerk_sends_links_for_their_own_branch_only(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    other_branch = await create_library(apps, tenant.owner, name="Second branch")
    _, ours = await hire_staff(apps, tenant.owner, [tenant.library_id])
    _, theirs = await hire_staff(apps, tenant.owner, [other_branch["id"]])
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)

    refused = await _send_link(apps, theirs, booking, "razorpay")
    assert refused.status_code == 404
    assert refused.json()["code"] == "booking_not_found"
    made = await _send_link(apps, ours, booking, "razorpay")
    assert made.status_code == 201, made.text
    hidden = await apps.client("payment").post(
        f"{PAYMENTS}/{made.json()['id']}/cancel-link", headers=theirs.headers
    )
    assert hidden.status_code == 404
    assert len(fakes.razorpay.links) == 1
