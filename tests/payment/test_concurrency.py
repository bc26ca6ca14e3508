"""Money under concurrency: repeated keys make one payment; 200 payments number 1..200."""

from __future__ import annotations

import asyncio

from tests.conftest import Apps
from tests.fixtures.payments import PAYMENTS, Fakes, Tenant


async def test_the_same_idempotency_key_twenty_times_at_once_makes_one_payment(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    client = apps.client("payment")
    headers = {**tenant.owner.headers, "Idempotency-Key": "desk-7f3a-0001"}
    body = {"booking_id": str(booking), "method": "cash", "amount_paise": 20_000}
    replies = await asyncio.gather(
        *(client.post(PAYMENTS, json=body, headers=headers) for _ in range(20))
    )

    statuses = [r.status_code for r in replies]
    assert set(statuses) <= {201, 409}, statuses
    created_ids = {r.json()["id"] for r in replies if r.status_code == 201}
    assert len(created_ids) == 1
    assert all(
        r.json()["code"] == "idempotency_in_progress" for r in replies if r.status_code == 409
    )
    listed = await client.get(f"{PAYMENTS}?booking_id={booking}", headers=tenant.owner.headers)
    assert listed.json()["total"] == 1

    replay = await client.post(PAYMENTS, json=body, headers=headers)
    assert replay.status_code == 201
    assert replay.json()["id"] in created_ids
    other_body = await client.post(PAYMENTS, json={**body, "amount_paise": 30_000}, headers=headers)
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
