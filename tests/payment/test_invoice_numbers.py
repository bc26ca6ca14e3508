"""200 concurrent payments in one tenant: invoice numbers 1..200, no gap, no duplicate."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.conftest import Apps
from tests.fixtures.payments import PAYMENTS, Fakes, Tenant


@pytest.fixture(autouse=True)
def small_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    # 200 requests fan out to five in-process apps; small pools keep the PostgreSQL
    # server (shared by every test run on the machine) under its connection limit.
    # Set before the apps are built (they read it when first used).
    monkeypatch.setenv("DB_POOL_SIZE", "2")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "1")
    # Numbering is what is tested, not latency: the last of 200 requests queued on three
    # connections may wait past the default 30 s on a loaded machine (503 database_busy).
    monkeypatch.setenv("DB_WAIT_SECONDS", "300")


async def test_two_hundred_concurrent_payments_are_numbered_one_to_two_hundred(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    booking = fakes.bookings.add(
        tenant.tenant_id, tenant.student_id, tenant.library_id, total_paise=200 * 500
    )
    client = apps.client("payment")
    body = {"booking_id": str(booking), "method": "cash", "amount_paise": 500}
    replies = await asyncio.gather(
        *(client.post(PAYMENTS, json=body, headers=tenant.owner.headers) for _ in range(200))
    )
    assert [r.status_code for r in replies] == [201] * 200, {
        r.text for r in replies if r.status_code != 201
    }
    numbers = sorted(r.json()["invoice_number"] for r in replies)
    fy = numbers[0].split("/")[1]
    assert numbers == [f"INV/{fy}/{n:04d}" for n in range(1, 201)]
    assert all(len(n) <= 16 and re.fullmatch(r"[A-Za-z0-9/\-]+", n) for n in numbers)

    # The 200 partial invoices add up exactly to the booking's tax.
    totals = {"taxable": 0, "cgst": 0, "sgst": 0}
    for reply in replies:
        invoice = (
            await client.get(
                f"{PAYMENTS}/{reply.json()['id']}/invoice", headers=tenant.owner.headers
            )
        ).json()
        totals["taxable"] += invoice["taxable_paise"]
        totals["cgst"] += invoice["cgst_paise"]
        totals["sgst"] += invoice["sgst_paise"]
    booking_row = fakes.bookings.bookings[booking]
    assert totals["taxable"] == booking_row["taxable_paise"]
    assert totals["cgst"] + totals["sgst"] == booking_row["gst_paise"]
    dues = await client.get(f"{PAYMENTS}/dues?include_settled=true", headers=tenant.owner.headers)
    assert dues.json()["items"][0]["balance_paise"] == 0
