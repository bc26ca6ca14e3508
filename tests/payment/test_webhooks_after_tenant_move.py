"""Money survives the move to a dedicated database (option A).

Orders made before the move have their webhook routes in the shared database;
the move must leave them there, or every later webhook of such an order is
refused as `unknown_payment` and the captured money goes unrecorded.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from studyspot.kit.db import Database, dedicated_url
from studyspot.kit.state import kit_state
from studyspot.services.payment.models import OrderRoute
from tests.conftest import Apps
from tests.fixtures.payments import (
    PAYMENTS,
    Fakes,
    Tenant,
    connect_cashfree,
    connect_razorpay,
    created,
    deliver,
    get_payment,
)
from tests.fixtures.users import create_platform_user


async def _move(apps: Apps, tenant: Tenant) -> str:
    admin = await create_platform_user(apps)
    moved = await apps.client("tenant").post(
        f"/api/v1/tenants/{tenant.tenant_id}/dedicated-database", headers=admin.headers
    )
    assert moved.status_code == 200, moved.text
    key: str = moved.json()["database_key"]
    if apps.dbs.backend == "postgres":
        apps.dbs.extra_pg.append(dedicated_url(apps.dbs.settings(), key))
    return key


async def _routes(db: Database, tenant_id: uuid.UUID) -> set[str]:
    async with db.engine.connect() as conn:
        rows = await conn.scalars(
            select(OrderRoute.provider_order_id).where(OrderRoute.tenant_id == tenant_id)
        )
        return set(rows)


async def _due(apps: Apps, tenant: Tenant, booking: uuid.UUID) -> dict[str, Any]:
    dues = await apps.client("payment").get(
        f"{PAYMENTS}/dues?include_settled=true", headers=tenant.owner.headers
    )
    assert dues.status_code == 200, dues.text
    (due,) = [d for d in dues.json()["items"] if d["booking_id"] == str(booking)]
    return dict(due)


async def test_a_webhook_for_a_pre_move_order_is_captured_after_the_move(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    await connect_cashfree(apps, tenant, fakes)
    rzp_booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    cf_booking = fakes.bookings.add(
        tenant.tenant_id, tenant.student_id, tenant.library_id, total_paise=118_050
    )
    rzp = await created(apps, tenant.student, rzp_booking, "razorpay")
    cf = await created(apps, tenant.student, cf_booking, "cashfree")
    rzp_order, cf_order = rzp["checkout"]["order_id"], cf["checkout"]["order_id"]
    # The students pay at the providers before the move; the webhooks arrive after it.
    answer = fakes.razorpay.checkout(rzp_order)
    cf_paid = fakes.cashfree.pay(cf_order)

    key = await _move(apps, tenant)

    shared = kit_state(apps.app("payment")).tenants.shared
    assert await _routes(shared, tenant.tenant_id) == {rzp_order, cf_order}
    raw, headers = fakes.razorpay.webhook(
        "payment.captured", payment_id=answer["razorpay_payment_id"]
    )
    resp = await deliver(apps, "razorpay", raw, headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "processed"
    raw, headers = fakes.cashfree.webhook(
        "PAYMENT_SUCCESS_WEBHOOK", order_id=cf_order, payment=cf_paid
    )
    resp = await deliver(apps, "cashfree", raw, headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "processed"

    for payment, booking, amount in ((rzp, rzp_booking, 150_000), (cf, cf_booking, 118_050)):
        paid = await get_payment(apps, tenant.owner, payment["id"])
        assert paid["status"] == "captured"
        due = await _due(apps, tenant, booking)
        assert (due["paid_paise"], due["balance_paise"]) == (amount, 0)
        invoice = await apps.client("payment").get(
            f"{PAYMENTS}/{payment['id']}/invoice", headers=tenant.owner.headers
        )
        assert invoice.status_code == 200, invoice.text
        assert invoice.json()["total_paise"] == amount
    # The captures were written where the tenant now lives.
    dedicated = await kit_state(apps.app("payment")).tenants.get(key)
    assert await _routes(dedicated, tenant.tenant_id) == set()
