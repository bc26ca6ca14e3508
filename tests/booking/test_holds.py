"""Holds expire by themselves; confirmation by desk, payment service and `payment.captured`;
the calendar moves bookings to active and completed; renewal is announced once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from studyspot.kit.errors import AppError
from studyspot.kit.events import Event
from studyspot.kit.events.consumer import Targets, deliver
from studyspot.kit.events.directory import CoreTenantDirectory
from studyspot.services.booking import consumers
from studyspot.services.booking.client import BookingClient
from studyspot.services.booking.consumers import CONSUMERS
from studyspot.services.booking.runtime import runtime_of
from studyspot.services.booking.tasks import sweep_tenant
from tests.conftest import Apps
from tests.fixtures.bookings import (
    Clock,
    ReadyLibrary,
    book,
    booked,
    booking_body,
    booking_events,
    ready_library,
)


async def get(apps: Apps, ready: ReadyLibrary, booking_id: str) -> dict[str, Any]:
    resp = await apps.client("booking").get(
        f"/api/v1/bookings/{booking_id}", headers=ready.owner.headers
    )
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()
    return found


async def sweep(apps: Apps, ready: ReadyLibrary) -> Any:
    runtime = runtime_of(apps.app("booking"))
    return await sweep_tenant(runtime, runtime.kit.tenants.shared, ready.tenant_id)


async def capture(apps: Apps, ready: ReadyLibrary, payload: dict[str, Any]) -> bool:
    """Hand a `payment.captured` event to the booking service's consumer, as the worker does."""
    state = apps.app("booking").state.kit
    event = Event(
        id=uuid.UUID(payload.pop("event_id")),
        topic="payment.captured",
        tenant_id=ready.tenant_id,
        payload=payload,
        occurred_at=datetime.now(UTC),
    )
    targets = Targets(state.core, state.tenants, CoreTenantDirectory(state.core))
    return await deliver(CONSUMERS[0], event, targets)


def internal_client(apps: Apps) -> BookingClient:
    return BookingClient(apps.app("booking").state.kit.settings, caller="payment")


async def test_an_expired_hold_frees_the_seat_before_any_job_runs(apps: Apps) -> None:
    ready = await ready_library(apps)
    clock = Clock(apps)
    first = await booked(apps, ready.owner, booking_body(ready))
    resp = await book(apps, ready.owner, booking_body(ready, student=ready.students[1]))
    assert resp.status_code == 409

    clock.advance(minutes=15, seconds=1)
    assert (await get(apps, ready, first["id"]))["status"] == "expired"
    second = await booked(apps, ready.owner, booking_body(ready, student=ready.students[1]))
    assert second["seat_id"] == first["seat_id"]

    result = await sweep(apps, ready)
    assert result.expired == 1
    events = await booking_events(apps, "booking.expired")
    assert [e["booking_id"] for e in events] == [first["id"]]
    assert (await sweep(apps, ready)).expired == 0


async def test_confirming_after_the_hold_expired_is_refused(apps: Apps) -> None:
    ready = await ready_library(apps)
    clock = Clock(apps)
    held = await booked(apps, ready.owner, booking_body(ready))
    clock.advance(minutes=16)
    resp = await apps.client("booking").post(
        f"/api/v1/bookings/{held['id']}/confirm", headers=ready.owner.headers
    )
    assert resp.status_code == 409
    assert resp.json()["code"] == "hold_expired"

    await sweep(apps, ready)
    client = internal_client(apps)
    try:
        with pytest.raises(AppError) as refused:
            await client.confirm_booking(ready.tenant_id, uuid.UUID(held["id"]), uuid.uuid4())
    finally:
        await client.close()
    assert (refused.value.status, refused.value.code) == (409, "hold_expired")


async def test_desk_confirms_once_and_publishes_it(apps: Apps) -> None:
    ready = await ready_library(apps)
    held = await booked(apps, ready.owner, booking_body(ready))
    client = apps.client("booking")
    resp = await client.post(f"/api/v1/bookings/{held['id']}/confirm", headers=ready.owner.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "confirmed"
    assert resp.json()["confirmed_at"] is not None
    again = await client.post(f"/api/v1/bookings/{held['id']}/confirm", headers=ready.owner.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "booking_not_pending"
    confirmed = await booking_events(apps, "booking.confirmed")
    assert [(e["booking_id"], e["confirmed_via"]) for e in confirmed] == [(held["id"], "desk")]


async def test_payment_service_confirms_idempotently_and_reads_what_is_owed(apps: Apps) -> None:
    ready = await ready_library(apps)
    held = await booked(apps, ready.owner, booking_body(ready))
    booking_id, payment_id = uuid.UUID(held["id"]), uuid.uuid4()
    client = internal_client(apps)
    try:
        seen = await client.get_booking(ready.tenant_id, booking_id)
        assert seen is not None
        assert (seen.status, seen.total_paise) == ("pending_payment", 300_000)
        assert await client.get_booking(uuid.uuid4(), booking_id) is None

        first = await client.confirm_booking(ready.tenant_id, booking_id, payment_id)
        second = await client.confirm_booking(ready.tenant_id, booking_id, payment_id)
        assert first.status == second.status == "confirmed"
        assert second.payment_id == payment_id
        with pytest.raises(AppError) as other:
            await client.confirm_booking(ready.tenant_id, booking_id, uuid.uuid4())
        assert (other.value.status, other.value.code) == (409, "booking_not_pending")
    finally:
        await client.close()
    assert len(await booking_events(apps, "booking.confirmed")) == 1


async def test_payment_captured_confirms_once_however_often_it_arrives(apps: Apps) -> None:
    ready = await ready_library(apps)
    held = await booked(apps, ready.owner, booking_body(ready))
    event_id, payment_id = str(uuid.uuid4()), str(uuid.uuid4())

    def payload() -> dict[str, Any]:
        return {
            "event_id": event_id,
            "payment_id": payment_id,
            "booking_id": held["id"],
            "tenant_id": str(ready.tenant_id),
            "amount_paise": 300_000,
        }

    assert await capture(apps, ready, payload()) is True
    assert await capture(apps, ready, payload()) is False  # the ledger skips the redelivery
    # The same capture under a new event id (a replayed webhook) changes nothing either.
    assert await capture(apps, ready, {**payload(), "event_id": str(uuid.uuid4())}) is True
    booking = await get(apps, ready, held["id"])
    assert (booking["status"], booking["payment_id"]) == ("confirmed", payment_id)
    assert len(await booking_events(apps, "booking.confirmed")) == 1
    assert await booking_events(apps, "booking.confirmation_failed") == []


async def test_a_capture_for_a_booking_no_longer_held_asks_for_a_refund(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready = await ready_library(apps)
    clock = Clock(apps)
    monkeypatch.setattr(consumers, "clock", lambda: clock.now)
    late = await booked(apps, ready.owner, booking_body(ready))
    partly = await booked(apps, ready.owner, booking_body(ready, shift="night"))

    def captured(booking: dict[str, Any], amount: int) -> dict[str, Any]:
        return {
            "event_id": str(uuid.uuid4()),
            "payment_id": str(uuid.uuid4()),
            "booking_id": booking["id"],
            "amount_paise": amount,
        }

    # Part of the amount taken at the desk secures the seat; the dues are the payment service's.
    clock.advance(minutes=10)
    await capture(apps, ready, captured(partly, 100_000))
    assert (await get(apps, ready, partly["id"]))["status"] == "confirmed"
    # The balance paid later is no failure either.
    await capture(apps, ready, captured(partly, 50_000))
    # Money for a hold that ran out must go back.
    clock.advance(minutes=10)
    await capture(apps, ready, captured(late, 300_000))
    failed = await booking_events(apps, "booking.confirmation_failed")
    assert [(e["booking_id"], e["reason"]) for e in failed] == [(late["id"], "hold_expired")]
    assert (await get(apps, ready, late["id"]))["status"] == "expired"


async def test_the_calendar_activates_and_completes_a_paid_booking(apps: Apps) -> None:
    ready = await ready_library(apps)
    ready.plans["week"] = await _week_plan(apps, ready)
    clock = Clock(apps)
    held = await booked(apps, ready.owner, booking_body(ready, plan="week"))
    await apps.client("booking").post(
        f"/api/v1/bookings/{held['id']}/confirm", headers=ready.owner.headers
    )
    await sweep(apps, ready)
    assert (await get(apps, ready, held["id"]))["status"] == "confirmed"

    clock.advance(days=1)
    await sweep(apps, ready)
    assert (await get(apps, ready, held["id"]))["status"] == "active"

    clock.advance(days=7)
    await sweep(apps, ready)
    done = await get(apps, ready, held["id"])
    assert done["status"] == "completed"
    assert [e["booking_id"] for e in await booking_events(apps, "booking.completed")] == [
        held["id"]
    ]


async def test_renewal_due_is_announced_once_a_week_before_the_end(apps: Apps) -> None:
    ready = await ready_library(apps)
    clock = Clock(apps)
    held = await booked(apps, ready.owner, booking_body(ready))
    await apps.client("booking").post(
        f"/api/v1/bookings/{held['id']}/confirm", headers=ready.owner.headers
    )
    end = datetime.fromisoformat(held["end_date"]).date()
    days_to_window = (end - timedelta(days=7) - clock.now.date()).days
    clock.advance(days=days_to_window - 2)
    assert (await sweep(apps, ready)).renewals_announced == 0
    clock.advance(days=3)
    assert (await sweep(apps, ready)).renewals_announced == 1
    assert (await sweep(apps, ready)).renewals_announced == 0
    due = await booking_events(apps, "booking.renewal_due")
    assert [(e["booking_id"], e["renewal_start_date"]) for e in due] == [
        (held["id"], (end + timedelta(days=1)).isoformat())
    ]


async def _week_plan(apps: Apps, ready: ReadyLibrary) -> dict[str, Any]:
    from tests.fixtures.bookings import add_plan

    return await add_plan(
        apps,
        ready.owner,
        ready.library_id,
        duration_unit="day",
        duration_value=7,
        shift_ids=[ready.shifts["morning"]],
    )
