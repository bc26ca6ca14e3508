"""The money flow end to end: real bookings paid by Razorpay, Cashfree and UPI, through the
gateway, against every service as its own process, the event worker and local providers.

Nothing here stands in for a service: the booking is made by the booking service, the
payment service reads it over the booking service's internal API, and the booking is
confirmed only by the worker delivering `payment.captured` to the booking consumer.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from studyspot.kit.models import outbox_events
from studyspot.kit.settings import to_sync_url
from studyspot.services.auth.client import DEV_LINK_KEY, LinkBox
from tests.fakes import cashfree as fake_cashfree
from tests.fakes import razorpay as fake_razorpay
from tests.fakes.cashfree import FakeCashfree
from tests.fakes.razorpay import FakeRazorpay
from tests.fixtures.bookings import tomorrow
from tests.fixtures.databases import DbSet
from tests.fixtures.library import GSTIN_MH, unique_mobile
from tests.fixtures.system import System

pytestmark = pytest.mark.slow

PAYMENTS = "/api/v1/payments"
PASSWORD = "correct-horse-1"
PLAN_PRICE_PAISE = 150_000  # ₹1,500 a month, GST at 18 % included
# The worker polls the outbox; a confirmation slower than this is a failure, not a wait.
CONFIRM_WITHIN_SECONDS = 20.0
# Every process opens a core and a tenant pool; the booking tests' system may still be up
# on the same PostgreSQL server.
SMALL_POOLS = {"DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "2"}


@dataclass
class Providers:
    razorpay: FakeRazorpay
    cashfree: FakeCashfree


@pytest.fixture(scope="module")
async def providers() -> AsyncIterator[Providers]:
    razorpay, cashfree = FakeRazorpay(), FakeCashfree()
    await razorpay.start()
    await cashfree.start()
    try:
        yield Providers(razorpay, cashfree)
    finally:
        await razorpay.stop()
        await cashfree.stop()


@pytest.fixture(scope="module")
async def paying_system(dbs: DbSet, providers: Providers) -> AsyncIterator[System]:
    """One system per backend whose payment service talks to the local providers."""
    started = System(
        dbs,
        env={
            "PAYMENT_RAZORPAY_BASE_URL": providers.razorpay.url,
            "PAYMENT_CASHFREE_BASE_URL": providers.cashfree.url,
            **SMALL_POOLS,
        },
    )
    await started.start_all()
    try:
        yield started
    finally:
        await started.close()


@pytest.fixture
async def system(paying_system: System, clean_dbs: DbSet) -> AsyncIterator[System]:
    yield paying_system
    await paying_system.restore()


@dataclass
class Branch:
    owner: dict[str, str]
    student: dict[str, str]
    student_id: str
    library_id: str
    seat_id: str
    shifts: dict[str, str]
    plan_id: str


def _bearer(body: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['access_token']}"}


def _ok(resp: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert resp.status_code == status, f"{resp.request.method} {resp.request.url}: {resp.text}"
    body: dict[str, Any] = resp.json()
    return body


def _set_password_token(dbs: DbSet, user_id: str) -> str:
    """The invite's one-time token, as the message service would read it from the outbox."""
    engine = create_engine(to_sync_url(dbs.core_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(outbox_events.c.payload)
                .where(outbox_events.c.topic == "auth.set_password_requested")
                .order_by(outbox_events.c.seq.desc())
            )
            for (payload,) in rows:
                if payload.get("user_id") == user_id:
                    return LinkBox(DEV_LINK_KEY).open(payload)
    finally:
        engine.dispose()
    raise AssertionError(f"no set-password link for {user_id}")


async def open_branch(http: httpx.AsyncClient, dbs: DbSet) -> Branch:
    """Owner signs up, sets up a GST-registered branch, admits a student who logs in."""
    signup = _ok(
        await http.post(
            "/api/auth/register",
            json={
                "email": f"owner-{uuid.uuid4().hex[:10]}@example.com",
                "password": PASSWORD,
                "name": "Asha Verma",
                "business_name": "Lakshya Library",
            },
        ),
        201,
    )
    owner = _bearer(signup)
    slug = signup["tenant"]["slug"]
    library = _ok(
        await http.post(
            "/api/v1/libraries",
            json={
                "name": "Lakshya Kothrud",
                "address": "2nd floor, Shanti Complex, Karve Road",
                "city": "Pune",
                "state": "MH",
                "pincode": "411038",
                "gstin": GSTIN_MH,
            },
            headers=owner,
        ),
        201,
    )
    lid = library["id"]
    seats = _ok(
        await http.post(
            f"/api/v1/libraries/{lid}/seats/bulk",
            json={"prefix": "A", "from": 1, "to": 1},
            headers=owner,
        ),
        201,
    )
    shifts: dict[str, str] = {}
    for name, start, end in [
        ("morning", "06:00", "12:00"),
        ("afternoon", "12:00", "18:00"),
        ("evening", "18:00", "22:00"),
    ]:
        made = _ok(
            await http.post(
                f"/api/v1/libraries/{lid}/shifts",
                json={"name": name, "start_time": start, "end_time": end},
                headers=owner,
            ),
            201,
        )
        shifts[name] = made["id"]
    plan = _ok(
        await http.post(
            "/api/fee-plans",
            json={
                "library_id": lid,
                "name": "Monthly shift",
                "duration_unit": "month",
                "duration_value": 1,
                "shift_ids": list(shifts.values()),
                "price_paise": PLAN_PRICE_PAISE,
                "gst_rate_percent": 18,
                "price_includes_tax": True,
            },
            headers=owner,
        ),
        201,
    )
    phone = unique_mobile()
    student = _ok(
        await http.post(
            "/api/v1/students",
            json={"name": "Priya Sharma", "phone": phone, "home_library_id": lid},
            headers=owner,
        ),
        201,
    )
    invite = await http.post(f"/api/v1/students/{student['id']}/invite", headers=owner)
    assert invite.status_code == 202, invite.text
    reset = await http.post(
        "/api/auth/reset-password",
        json={"token": _set_password_token(dbs, student["id"]), "new_password": PASSWORD},
    )
    assert reset.status_code == 204, reset.text
    student_login = _ok(
        await http.post(
            "/api/auth/login",
            json={
                "phone": phone,
                "password": PASSWORD,
                "user_type": "student",
                "tenant_slug": slug,
            },
        )
    )
    return Branch(
        owner,
        _bearer(student_login),
        student["id"],
        lid,
        seats["items"][0]["id"],
        shifts,
        plan["id"],
    )


async def book(http: httpx.AsyncClient, branch: Branch, shift: str) -> dict[str, Any]:
    """The student books the seat for a shift from tomorrow: held, awaiting payment."""
    booking = _ok(
        await http.post(
            "/api/v1/bookings",
            json={
                "library_id": branch.library_id,
                "seat_id": branch.seat_id,
                "shift_id": branch.shifts[shift],
                "fee_plan_id": branch.plan_id,
                "start_date": tomorrow().isoformat(),
            },
            headers=branch.student,
        ),
        201,
    )
    assert booking["status"] == "pending_payment"
    assert booking["total_paise"] == PLAN_PRICE_PAISE
    return booking


async def pay(
    http: httpx.AsyncClient, branch: Branch, booking: dict[str, Any], method: str
) -> dict[str, Any]:
    payment = _ok(
        await http.post(
            PAYMENTS,
            json={"booking_id": booking["id"], "method": method},
            headers={**branch.student, "Idempotency-Key": uuid.uuid4().hex},
        ),
        201,
    )
    assert (payment["status"], payment["amount_paise"]) == ("created", PLAN_PRICE_PAISE)
    return payment


async def confirmed(
    http: httpx.AsyncClient, system: System, branch: Branch, booking_id: str
) -> dict[str, Any]:
    """The booking once the worker has confirmed it (polled: the event crosses processes)."""
    deadline = time.monotonic() + CONFIRM_WITHIN_SECONDS
    while True:
        found = _ok(await http.get(f"/api/v1/bookings/{booking_id}", headers=branch.owner))
        if found["status"] != "pending_payment" or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert found["status"] == "confirmed", (
        f"booking still {found['status']}; worker log:\n{system.logs_of('worker')[-3000:]}"
    )
    return found


async def owed_on_making(
    http: httpx.AsyncClient, system: System, branch: Branch, booking_id: str
) -> dict[str, Any]:
    """The booking's line in the owner's collection list, put there by the worker delivering
    `booking.created` (polled: no payment was tried yet, nothing else makes it)."""
    deadline = time.monotonic() + CONFIRM_WITHIN_SECONDS
    while True:
        listed = _ok(await http.get(f"{PAYMENTS}/dues", headers=branch.owner))["items"]
        found = [d for d in listed if d["booking_id"] == booking_id]
        if found or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert found, f"no due for {booking_id}; worker log:\n{system.logs_of('worker')[-3000:]}"
    due: dict[str, Any] = found[0]
    return due


async def assert_invoiced(
    http: httpx.AsyncClient, branch: Branch, payment: dict[str, Any], booking_id: str
) -> str:
    """A GST tax invoice for the full fee, as JSON and as PDF, to the student who paid;
    its number."""
    url = f"{PAYMENTS}/{payment['id']}/invoice"
    invoice = _ok(await http.get(url, headers=branch.student))
    assert invoice["kind"] == "tax_invoice"
    assert invoice["booking_id"] == booking_id
    assert invoice["payment_id"] == payment["id"]
    assert invoice["supplier"]["gstin"] == GSTIN_MH
    # ₹1,500 incl. 18 % GST within Maharashtra: ₹1,271.19 taxable, CGST and SGST split.
    assert (invoice["total_paise"], invoice["taxable_paise"]) == (150_000, 127_119)
    assert invoice["cgst_paise"] + invoice["sgst_paise"] == 22_881
    assert invoice["igst_paise"] == 0
    for pdf in (
        await http.get(url, headers={**branch.student, "Accept": "application/pdf"}),
        await http.get(url, params={"format": "pdf"}, headers=branch.owner),
    ):
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
    number: str = invoice["number"]
    return number


async def test_real_bookings_paid_by_razorpay_cashfree_and_upi_are_confirmed_and_invoiced(
    system: System, providers: Providers
) -> None:
    async with system.client() as http:
        branch = await open_branch(http, system.dbs)
        numbers: list[str] = []

        # The owner connects the three ways of being paid.
        key_id, key_secret = fake_razorpay.key_pair()
        webhook_secret = "whsec_" + uuid.uuid4().hex
        providers.razorpay.add_account(key_id, key_secret, webhook_secret)
        client_id, client_secret = fake_cashfree.credentials()
        providers.cashfree.add_account(client_id, client_secret)
        for provider, body in [
            (
                "razorpay",
                {"key_id": key_id, "key_secret": key_secret, "webhook_secret": webhook_secret},
            ),
            ("cashfree", {"client_id": client_id, "client_secret": client_secret}),
            ("upi", {"vpa": "lakshya.library@okaxis", "payee_name": "Lakshya Library"}),
        ]:
            _ok(await http.put(f"{PAYMENTS}/accounts/{provider}", json=body, headers=branch.owner))

        # Razorpay: Checkout's signed answer verified, then the signed webhook captures.
        booking = await book(http, branch, "morning")
        # The owner sees it to collect the moment it is made, before any payment.
        due = await owed_on_making(http, system, branch, booking["id"])
        assert (due["status"], due["balance_paise"]) == ("open", PLAN_PRICE_PAISE)
        payment = await pay(http, branch, booking, "razorpay")
        order_id = payment["checkout"]["order_id"]
        assert providers.razorpay.orders[order_id]["amount"] == PLAN_PRICE_PAISE
        answer = providers.razorpay.checkout(order_id)
        verified = _ok(
            await http.post(
                f"{PAYMENTS}/{payment['id']}/checkout", json=answer, headers=branch.student
            )
        )
        assert verified["status"] == "pending"
        raw, headers = providers.razorpay.webhook(
            "payment.captured", payment_id=answer["razorpay_payment_id"]
        )
        hook = _ok(await http.post(f"{PAYMENTS}/razorpay/webhook", content=raw, headers=headers))
        assert hook["status"] == "processed"
        done = await confirmed(http, system, branch, booking["id"])
        assert done["payment_id"] == payment["id"]
        numbers.append(await assert_invoiced(http, branch, payment, booking["id"]))

        # Cashfree: the student pays the order, Cashfree's signed webhook captures.
        booking = await book(http, branch, "afternoon")
        payment = await pay(http, branch, booking, "cashfree")
        order_id = payment["checkout"]["order_id"]
        assert providers.cashfree.orders[order_id]["order_amount"] == 1500
        paid = providers.cashfree.pay(order_id)
        raw, headers = providers.cashfree.webhook(
            "PAYMENT_SUCCESS_WEBHOOK", order_id=order_id, payment=paid
        )
        hook = _ok(await http.post(f"{PAYMENTS}/cashfree/webhook", content=raw, headers=headers))
        assert hook["status"] == "processed"
        done = await confirmed(http, system, branch, booking["id"])
        assert done["payment_id"] == payment["id"]
        numbers.append(await assert_invoiced(http, branch, payment, booking["id"]))

        # UPI to the library's VPA: the student sends the UTR, staff verify it on the statement.
        booking = await book(http, branch, "evening")
        payment = await pay(http, branch, booking, "upi")
        assert "am=1500.00" in payment["checkout"]["upi_link"]
        submitted = _ok(
            await http.post(
                f"{PAYMENTS}/{payment['id']}/utr",
                json={"utr": "412345678901"},
                headers=branch.student,
            )
        )
        assert submitted["status"] == "pending"
        pending = await http.get(f"/api/v1/bookings/{booking['id']}", headers=branch.owner)
        assert pending.json()["status"] == "pending_payment"
        captured = _ok(
            await http.post(f"{PAYMENTS}/{payment['id']}/verify", json={}, headers=branch.owner)
        )
        assert captured["status"] == "captured"
        done = await confirmed(http, system, branch, booking["id"])
        assert done["payment_id"] == payment["id"]
        numbers.append(await assert_invoiced(http, branch, payment, booking["id"]))

        # All three paid: nothing left on the collection list.
        assert _ok(await http.get(f"{PAYMENTS}/dues", headers=branch.owner))["items"] == []

        # Three captures, three invoices numbered one after another in the tenant's series.
        listed = _ok(await http.get(PAYMENTS, params={"status": "captured"}, headers=branch.owner))
        assert listed["total"] == 3
        series = {n.rsplit("/", 1)[0] for n in numbers}
        assert len(series) == 1, numbers
        assert [n.rsplit("/", 1)[1] for n in numbers] == ["0001", "0002", "0003"]
