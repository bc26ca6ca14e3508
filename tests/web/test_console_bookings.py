"""Booking actions, the desk's UPI and provider payments, the waitlist and the reconciler's
status, in a real browser against the real system (web/e2e/bookings.mjs).

The owner, the library (seats A1-A4, a morning shift, a weekly plan), one booked
student and the provider accounts (UPI; Razorpay and Cashfree at the local fakes of
tests/fakes/) are made through the API; everything else is done in the
console. Between the two browser runs the Razorpay order is paid at the fake (its
webhook never comes) and `studyspot payments reconcile` settles it, which the
payments page must then show. Screenshots in var/artefacts/web/bookings-*.png and
reconciled-*.png.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from studyspot.runner import studyspot_argv
from tests.conftest import Apps
from tests.fakes import cashfree as fake_cashfree
from tests.fakes import razorpay as fake_razorpay
from tests.fakes.cashfree import FakeCashfree
from tests.fakes.razorpay import FakeRazorpay
from tests.fixtures.bookings import today_in_india
from tests.fixtures.databases import DbSet
from tests.fixtures.library import (
    create_fee_plan,
    create_library,
    create_seats,
    create_shift,
    owner_with_limits,
    unique_mobile,
)
from tests.fixtures.students import admit
from tests.fixtures.system import ROOT, System
from tests.fixtures.users import DEFAULT_PASSWORD, LoggedIn
from tests.web.test_console_flow import ARTEFACTS, WEB, _browser, _require_tools

PAYMENTS = "/api/v1/payments"
LIBRARY = "Gyan Kendra Kothrud"
BOOKED = "Kavya Rao"


@dataclass
class Desk:
    system: System
    razorpay: FakeRazorpay
    cashfree: FakeCashfree


@pytest.fixture
async def desk_system(dbs: DbSet, tmp_path: Path) -> AsyncIterator[Desk]:
    """The system on SQLite with Razorpay and Cashfree at local fakes; the periodic reconciliation
    set to its longest interval, so that only the command run in the test reconciles."""
    if dbs.backend != "sqlite":
        pytest.skip("the browser flow runs on the embedded default (SQLite) only")
    _require_tools()
    dist = tmp_path / "dist"
    shutil.copytree(WEB / "dist", dist)
    razorpay, cashfree = FakeRazorpay(), FakeCashfree()
    await razorpay.start()
    await cashfree.start()
    system = System(
        dbs,
        env={
            "GATEWAY_CONSOLE_DIR": str(dist),
            "PAYMENT_RAZORPAY_BASE_URL": razorpay.url,
            "PAYMENT_CASHFREE_BASE_URL": cashfree.url,
            "PAYMENT_RECONCILE_INTERVAL_SECONDS": "86400",
        },
    )
    try:
        await system.start_all()
        yield Desk(system, razorpay, cashfree)
    finally:
        await system.close()
        await razorpay.stop()
        await cashfree.stop()


@dataclass
class Library:
    id: str
    shift: str
    plan: str
    a1: str


async def _library(apps: Apps, owner: LoggedIn) -> Library:
    """Seats A1-A4, a morning shift and a weekly plan of ₹500 for it (a week, so that a
    booking made today is already inside its renewal window, 7 days before it ends)."""
    library = (await create_library(apps, owner, name=LIBRARY))["id"]
    seats = await create_seats(apps, owner, library, count=4)
    shift = (await create_shift(apps, owner, library, "Morning", "06:00", "12:00"))["id"]
    plan = await create_fee_plan(
        apps,
        owner,
        library,
        name="Morning weekly",
        full_day=False,
        shift_ids=[shift],
        duration_unit="day",
        duration_value=7,
        price_paise=50_000,
    )
    # The attendance sweep releases a seat nobody checked in to by the shift's start plus
    # the grace: run between 06:30 and 12:00 India time, the scenario would watch A2 come
    # free mid-way. A grace of 12 hours outlasts the 6-hour shift, so no seat is released.
    graced = await apps.client("attendance").put(
        f"/api/attendance/libraries/{library}/settings",
        json={"no_show_grace_minutes": 720},
        headers=owner.headers,
    )
    assert graced.status_code == 200, graced.text
    a1 = next(s["id"] for s in seats if s["label"] == "A1")
    return Library(library, shift, plan["id"], a1)


async def _booked_on_a1(
    apps: Apps, owner: LoggedIn, library: Library, start: date
) -> dict[str, str]:
    """Kavya Rao on A1 from today, confirmed at the desk."""
    student = await admit(apps, owner, uuid.UUID(library.id), name=BOOKED)
    booking = await apps.client("booking").post(
        "/api/v1/bookings",
        json={
            "library_id": library.id,
            "shift_id": library.shift,
            "fee_plan_id": library.plan,
            "seat_id": library.a1,
            "student_id": student["id"],
            "start_date": start.isoformat(),
        },
        headers=owner.headers,
    )
    assert booking.status_code == 201, booking.text
    confirmed = await apps.client("booking").post(
        f"/api/v1/bookings/{booking.json()['id']}/confirm", headers=owner.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    return dict(confirmed.json())


async def _connect_providers(apps: Apps, owner: LoggedIn, desk: Desk) -> None:
    client = apps.client("payment")
    upi = await client.put(
        f"{PAYMENTS}/accounts/upi",
        json={"vpa": "gyankendra@okaxis", "payee_name": "Gyan Kendra"},
        headers=owner.headers,
    )
    assert upi.status_code == 200, upi.text
    key_id, key_secret = fake_razorpay.key_pair()
    webhook_secret = "whsec_" + uuid.uuid4().hex
    desk.razorpay.add_account(key_id, key_secret, webhook_secret)
    saved = await client.put(
        f"{PAYMENTS}/accounts/razorpay",
        json={"key_id": key_id, "key_secret": key_secret, "webhook_secret": webhook_secret},
        headers=owner.headers,
    )
    assert saved.status_code == 200, saved.text
    client_id, client_secret = fake_cashfree.credentials()
    desk.cashfree.add_account(client_id, client_secret)
    saved = await client.put(
        f"{PAYMENTS}/accounts/cashfree",
        json={"client_id": client_id, "client_secret": client_secret},
        headers=owner.headers,
    )
    assert saved.status_code == 200, saved.text


async def _reconcile_by_hand(system: System) -> str:
    """`studyspot payments reconcile` as an operator runs it, against the system's databases."""
    proc = await asyncio.create_subprocess_exec(
        *studyspot_argv("payments", "reconcile", "--older-than-minutes", "0"),
        cwd=ROOT,
        env=system.plan.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text
    return text


async def test_desk_renews_transfers_takes_upi_and_razorpay_waitlists_and_sees_reconciliation(
    desk_system: Desk, apps: Apps
) -> None:
    """Seat map: A1's booking moves to A2, then is renewed from the day after it ends →
    desk: a new student on A1 paying by UPI sees the QR for the exact amount; others on
    A3 and A4 paying by Razorpay and Cashfree get the order each (fake) provider made →
    with no seat left a fifth student is put on the waitlist, and taken off it from the
    seat map → payments: the reconciler has never run and both provider payments wait.
    Then the Razorpay order is paid without a webhook, `studyspot payments reconcile`
    runs, and the payments page shows that pass: by hand, succeeded, 2 checked, 1 settled,
    1 still pending (the unpaid Cashfree order)."""
    owner = await owner_with_limits(apps)
    library = await _library(apps, owner)
    today = today_in_india()
    booking = await _booked_on_a1(apps, owner, library, today)
    await _connect_providers(apps, owner, desk_system)
    renewal_from = date.fromisoformat(booking["end_date"]) + timedelta(days=1)

    env = {
        "LIBRARY_ID": library.id,
        "SHIFT_ID": library.shift,
        "TODAY": today.isoformat(),
        "BOOKED": BOOKED,
        "RENEWAL_FROM": renewal_from.isoformat(),
        "PHONE_UPI": unique_mobile(),
        "PHONE_RAZORPAY": unique_mobile(),
        "PHONE_CASHFREE": unique_mobile(),
        "PHONE_WAITING": unique_mobile(),
        # The console's dates are the browser's: the library's own day, whatever the host's.
        "TZ": "Asia/Kolkata",
    }
    out = await _browser(
        desk_system.system,
        "bookings",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/bookings.mjs",
        extra_env=env,
    )
    assert "bookings: passed" in out
    results = json.loads((ARTEFACTS / "bookings-results.json").read_text())
    order_id = results["razorpay_order"]
    # The order the desk shows is the one Razorpay (the fake) made, for the plan's price.
    assert desk_system.razorpay.orders[order_id]["amount"] == 50_000
    cashfree_order = desk_system.cashfree.orders[results["cashfree_order"]]
    assert cashfree_order["order_amount"] == 500

    desk_system.razorpay.checkout(order_id)  # paid at Razorpay; the webhook is lost
    printed = await _reconcile_by_hand(desk_system.system)
    assert "checked 2: captured 1, failed 0, still open 1" in printed

    out = await _browser(
        desk_system.system,
        "reconciled",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/bookings.mjs",
        extra_env=env,
    )
    assert "reconciled: passed" in out
