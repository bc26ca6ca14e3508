"""The owner's collection list knows every booking from the moment it is made.

Bookings are made, cancelled, expired and transferred by the real booking
service; their events reach the payment service's consumers through the
embedded worker's own pump and dispatcher (`run_worker`), or, where a test
needs an order the outbox would not give, through the same `deliver` the
dispatcher calls, one event at a time.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from studyspot.cli import discover_consumers
from studyspot.kit.events import Event
from studyspot.kit.events.consumer import Targets, deliver
from studyspot.kit.events.directory import CoreTenantDirectory
from studyspot.kit.events.local import LocalDispatch
from studyspot.kit.events.pump import OutboxPump
from studyspot.kit.events.sources import Sources
from studyspot.kit.models import audit_logs, outbox_events
from studyspot.services.booking.runtime import runtime_of
from studyspot.services.booking.tasks import sweep_tenant
from studyspot.services.payment.consumers import CONSUMERS
from tests.conftest import Apps
from tests.fixtures.bookings import (
    Clock,
    ReadyLibrary,
    add_plan,
    booked,
    booking_body,
    ready_library,
)
from tests.fixtures.events import fast_config
from tests.fixtures.payments import PAYMENTS, Fakes, Tenant, connect_upi, created, pay
from tests.fixtures.users import LoggedIn

# The `shifts` plan of ready_library: ₹1,500 incl. GST + ₹500 registration + ₹1,000 deposit.
BOOKING_TOTAL = 300_000


def _targets(apps: Apps) -> Targets:
    state = apps.app("payment").state.kit
    return Targets(state.core, state.tenants, CoreTenantDirectory(state.core))


async def run_worker(apps: Apps) -> None:
    """What `studyspot worker` does on the embedded default, until the outboxes are empty:
    every service's consumers (booking's confirms captured bookings, payment's keep dues)."""
    state = apps.app("payment").state.kit
    directory = CoreTenantDirectory(state.core)
    pump = OutboxPump(
        Sources(state.core, state.tenants, directory, refresh_seconds=0),
        LocalDispatch(discover_consumers(), _targets(apps)),
        fast_config(),
    )
    while True:
        result = await pump.run_once()
        assert result.failed == 0, "a consumer failed"
        if not result.delivered:
            return


async def booking_events(apps: Apps, booking_id: str) -> dict[str, Event]:
    """The booking's events from the shared tenant database's outbox, by topic."""
    db = apps.app("payment").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(
                outbox_events.c.id,
                outbox_events.c.topic,
                outbox_events.c.tenant_id,
                outbox_events.c.payload,
                outbox_events.c.created_at,
            ).order_by(outbox_events.c.seq)
        )
        return {
            r.topic: Event.from_row(r) for r in rows if r.payload.get("booking_id") == booking_id
        }


async def hand_over(apps: Apps, event: Event) -> list[bool]:
    """Deliver one event to the payment consumers that want it, as the dispatcher does."""
    return [await deliver(c, event, _targets(apps)) for c in CONSUMERS if c.wants(event.topic)]


def event(topic: str, tenant_id: uuid.UUID, **payload: Any) -> Event:
    """An event as the booking service would publish it (for bookings of the booking desk)."""
    return Event(
        uuid.uuid4(),
        topic,
        tenant_id,
        {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in payload.items()},
        datetime.now(UTC),
    )


async def dues(apps: Apps, who: LoggedIn, **params: Any) -> list[dict[str, Any]]:
    resp = await apps.client("payment").get(f"{PAYMENTS}/dues", params=params, headers=who.headers)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def booking_post(
    apps: Apps, ready: ReadyLibrary, path: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await apps.client("booking").post(
        f"/api/v1/bookings/{path}", json=body, headers=ready.owner.headers
    )


async def cancel(apps: Apps, ready: ReadyLibrary, booking_id: str) -> None:
    resp = await booking_post(apps, ready, f"{booking_id}/cancel", {"reason": "Moved city"})
    assert resp.status_code == 200, resp.text


async def test_a_booking_made_by_the_owner_is_owed_in_full_before_any_payment(
    apps: Apps,
) -> None:
    ready = await ready_library(apps)
    assert await dues(apps, ready.owner) == []
    booking = await booked(apps, ready.owner, booking_body(ready))
    await run_worker(apps)

    [due] = await dues(apps, ready.owner)
    assert due["booking_id"] == booking["id"]
    assert due["student_id"] == str(ready.students[0])
    assert due["library_id"] == str(ready.library_id)
    assert due["status"] == "open"
    assert (due["charged_paise"], due["adjustment_paise"], due["paid_paise"]) == (
        BOOKING_TOTAL,
        0,
        0,
    )
    assert due["balance_paise"] == BOOKING_TOTAL
    assert due["due_date"] == booking["start_date"]
    assert due["closed_at"] is None
    # It starts tomorrow: not overdue yet.
    assert due["overdue_days"] == 0
    assert await dues(apps, ready.owner, overdue_days=0) == []


async def test_a_cancelled_booking_leaves_the_collection_list(apps: Apps) -> None:
    ready = await ready_library(apps)
    booking = await booked(apps, ready.owner, booking_body(ready))
    await run_worker(apps)
    await cancel(apps, ready, booking["id"])
    await run_worker(apps)

    assert await dues(apps, ready.owner) == []
    [due] = await dues(apps, ready.owner, include_settled=True)
    assert (due["status"], due["balance_paise"], due["charged_paise"]) == (
        "cancelled",
        0,
        BOOKING_TOTAL,
    )
    assert due["closed_at"] is not None
    assert await dues(apps, ready.owner, status="open", include_settled=True) == []


async def test_a_partly_paid_cancelled_booking_shows_the_money_owed_back(apps: Apps) -> None:
    ready = await ready_library(apps)
    booking = await booked(apps, ready.owner, booking_body(ready))
    await run_worker(apps)
    await created(apps, ready.owner, uuid.UUID(booking["id"]), "cash", amount_paise=100_000)
    await run_worker(apps)  # the capture confirms the booking
    [due] = await dues(apps, ready.owner)
    assert (due["status"], due["balance_paise"]) == ("open", BOOKING_TOTAL - 100_000)

    await cancel(apps, ready, booking["id"])
    await run_worker(apps)

    [due] = await dues(apps, ready.owner)
    assert (due["status"], due["paid_paise"], due["balance_paise"]) == (
        "cancelled",
        100_000,
        -100_000,
    )
    assert await dues(apps, ready.owner, status="cancelled") == [due]
    # Money to give back is not a collection: it is never overdue.
    assert await dues(apps, ready.owner, overdue_days=0) == []
    refused = await pay(apps, ready.owner, uuid.UUID(booking["id"]), "cash")
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_an_expired_hold_leaves_the_collection_list(apps: Apps) -> None:
    ready = await ready_library(apps)
    clock = Clock(apps)
    booking = await booked(apps, ready.owner, booking_body(ready))
    await run_worker(apps)
    assert len(await dues(apps, ready.owner)) == 1

    clock.advance(minutes=16)
    runtime = runtime_of(apps.app("booking"))
    assert (await sweep_tenant(runtime, runtime.kit.tenants.shared, ready.tenant_id)).expired == 1
    await run_worker(apps)

    assert await dues(apps, ready.owner) == []
    [due] = await dues(apps, ready.owner, status="expired", include_settled=True)
    assert (due["booking_id"], due["balance_paise"]) == (booking["id"], 0)


async def test_a_cancellation_delivered_before_the_creation_leaves_the_due_closed(
    apps: Apps,
) -> None:
    ready = await ready_library(apps)
    booking = await booked(apps, ready.owner, booking_body(ready))
    await cancel(apps, ready, booking["id"])
    events = await booking_events(apps, booking["id"])

    assert await hand_over(apps, events["booking.cancelled"]) == [True]
    assert await hand_over(apps, events["booking.created"]) == [True]

    assert await dues(apps, ready.owner) == []
    [due] = await dues(apps, ready.owner, include_settled=True)
    # Closed by the first event, given the booking's figures by the late one.
    assert due["status"] == "cancelled"
    assert (due["charged_paise"], due["due_date"]) == (BOOKING_TOTAL, booking["start_date"])
    assert due["balance_paise"] == 0


async def test_the_same_event_twice_changes_nothing(apps: Apps) -> None:
    ready = await ready_library(apps)
    held = await booked(apps, ready.owner, booking_body(ready))
    confirmed = await booking_post(apps, ready, f"{held['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    dearer = await add_plan(
        apps,
        ready.owner,
        ready.library_id,
        shift_ids=[ready.shifts["morning"]],
        price_paise=180_000,
    )
    moved = await booking_post(apps, ready, f"{held['id']}/transfer", {"fee_plan_id": dearer["id"]})
    assert moved.status_code == 200, moved.text
    events = await booking_events(apps, held["id"])

    for topic in ("booking.created", "booking.transferred"):
        assert await hand_over(apps, events[topic]) == [True]
        assert await hand_over(apps, events[topic]) == [False]  # the ledger skipped it
    # The same booking announced again under another event id (a replay) is still one due.
    replay = events["booking.created"]
    assert await hand_over(apps, event(replay.topic, ready.tenant_id, **replay.payload)) == [True]

    [due] = await dues(apps, ready.owner)
    assert (due["charged_paise"], due["adjustment_paise"]) == (BOOKING_TOTAL, 30_000)


async def test_a_transfer_to_a_dearer_plan_adds_its_difference_to_the_due(apps: Apps) -> None:
    ready = await ready_library(apps)
    held = await booked(apps, ready.owner, booking_body(ready))
    await run_worker(apps)
    await created(apps, ready.owner, uuid.UUID(held["id"]), "cash")
    await run_worker(apps)
    assert await dues(apps, ready.owner) == []  # paid in full

    dearer = await add_plan(
        apps,
        ready.owner,
        ready.library_id,
        shift_ids=[ready.shifts["morning"]],
        price_paise=180_000,
    )
    moved = await booking_post(apps, ready, f"{held['id']}/transfer", {"fee_plan_id": dearer["id"]})
    assert moved.status_code == 200, moved.text
    await run_worker(apps)

    [due] = await dues(apps, ready.owner)
    assert (due["status"], due["adjustment_paise"], due["balance_paise"]) == (
        "open",
        30_000,
        30_000,
    )
    rest = await created(apps, ready.owner, uuid.UUID(held["id"]), "cash")
    assert rest["amount_paise"] == 30_000
    assert await dues(apps, ready.owner) == []


async def test_a_malformed_booking_event_is_skipped_without_a_retry(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    broken = event("booking.created", tenant.tenant_id, booking_id="not-a-uuid", total_paise=-1)
    assert await hand_over(apps, broken) == [True]
    assert await dues(apps, tenant.owner, include_settled=True) == []


async def test_paying_a_due_closed_meanwhile_is_refused(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    # The booking service still answers "pending" (its answer raced the cancellation).
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    cancelled = event(
        "booking.cancelled",
        tenant.tenant_id,
        booking_id=booking,
        student_id=tenant.student_id,
        library_id=tenant.library_id,
        start_date=datetime.now(UTC).date().isoformat(),
        previous_status="pending_payment",
        was_paid=False,
        reason="Student asked",
        cancelled_by=None,
        end_date=datetime.now(UTC).date().isoformat(),
    )
    assert await hand_over(apps, cancelled) == [True]

    refused = await pay(apps, tenant.owner, booking, "cash")
    assert refused.status_code == 409
    assert refused.json()["code"] == "due_closed"
    listed = await apps.client("payment").get(PAYMENTS, headers=tenant.owner.headers)
    assert listed.json()["total"] == 0


async def test_a_capture_after_the_cancellation_is_kept_and_owed_back(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_upi(apps, tenant)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await created(apps, tenant.student, booking, "upi")
    client = apps.client("payment")
    resp = await client.post(
        f"{PAYMENTS}/{payment['id']}/utr",
        json={"utr": "412345678901"},
        headers=tenant.student.headers,
    )
    assert resp.status_code == 200, resp.text
    expired = event(
        "booking.expired",
        tenant.tenant_id,
        booking_id=booking,
        student_id=tenant.student_id,
        library_id=tenant.library_id,
        waitlist_entry_id=None,
    )
    assert await hand_over(apps, expired) == [True]

    # The money did arrive: staff find it on the statement.
    verified = await client.post(
        f"{PAYMENTS}/{payment['id']}/verify", json={}, headers=tenant.owner.headers
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "captured"
    [due] = await dues(apps, tenant.owner)
    assert (due["status"], due["paid_paise"], due["balance_paise"]) == (
        "expired",
        150_000,
        -150_000,
    )


async def test_a_capture_for_a_lapsed_hold_closes_the_due_and_asks_for_a_refund(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await created(apps, tenant.owner, booking, "cash")
    failed = event(
        "booking.confirmation_failed",
        tenant.tenant_id,
        booking_id=booking,
        student_id=tenant.student_id,
        library_id=tenant.library_id,
        payment_id=payment["id"],
        reason="hold_expired",
    )
    assert await hand_over(apps, failed) == [True]
    assert await hand_over(apps, failed) == [False]

    [due] = await dues(apps, tenant.owner)
    assert (due["status"], due["balance_paise"]) == ("expired", -150_000)
    db = apps.app("payment").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        asks = (
            await conn.execute(
                select(audit_logs.c.resource_id, audit_logs.c.details).where(
                    audit_logs.c.action == "payment.refund_needed",
                    audit_logs.c.tenant_id == tenant.tenant_id,
                )
            )
        ).all()
    assert [(r[0], r[1]["amount_paise"], r[1]["reason"]) for r in asks] == [
        (payment["id"], 150_000, "hold_expired")
    ]
