"""The waitlist: only when nothing is free; a freed seat is offered first come first served;
an offer that lapses passes to the next student in line."""

from __future__ import annotations

from typing import Any

from studyspot.services.booking.runtime import runtime_of
from studyspot.services.booking.tasks import sweep_tenant
from tests.conftest import Apps
from tests.fixtures.bookings import (
    Clock,
    ReadyLibrary,
    booked,
    booking_body,
    booking_events,
    ready_library,
    tomorrow,
)


def join_body(ready: ReadyLibrary, student: Any) -> dict[str, Any]:
    return {
        "student_id": str(student),
        "library_id": str(ready.library_id),
        "shift_id": str(ready.shifts["morning"]),
        "fee_plan_id": ready.plans["shifts"]["id"],
        "start_date": tomorrow().isoformat(),
    }


async def join(apps: Apps, ready: ReadyLibrary, student: Any) -> dict[str, Any]:
    resp = await apps.client("booking").post(
        "/api/v1/bookings/waitlist", json=join_body(ready, student), headers=ready.owner.headers
    )
    assert resp.status_code == 201, resp.text
    found: dict[str, Any] = resp.json()
    return found


async def entry(apps: Apps, ready: ReadyLibrary, entry_id: str) -> dict[str, Any]:
    resp = await apps.client("booking").get(
        f"/api/v1/bookings/waitlist/{entry_id}", headers=ready.owner.headers
    )
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()
    return found


async def full_library_with_a_line(apps: Apps) -> tuple[ReadyLibrary, dict[str, Any], list[Any]]:
    """One seat, taken and paid for the mornings by student 0; students 1 and 2 waiting."""
    ready = await ready_library(apps, seats=1, students=3)
    taken = await booked(apps, ready.owner, booking_body(ready))
    resp = await apps.client("booking").post(
        f"/api/v1/bookings/{taken['id']}/confirm", headers=ready.owner.headers
    )
    assert resp.status_code == 200, resp.text
    line = [await join(apps, ready, s) for s in ready.students[1:]]
    return ready, taken, line


async def cancel(apps: Apps, ready: ReadyLibrary, booking_id: str) -> None:
    resp = await apps.client("booking").post(
        f"/api/v1/bookings/{booking_id}/cancel",
        json={"reason": "Moving to another city"},
        headers=ready.owner.headers,
    )
    assert resp.status_code == 200, resp.text


async def test_nobody_waits_while_a_seat_is_free(apps: Apps) -> None:
    ready = await ready_library(apps, seats=1, students=2)
    resp = await apps.client("booking").post(
        "/api/v1/bookings/waitlist",
        json=join_body(ready, ready.students[1]),
        headers=ready.owner.headers,
    )
    assert resp.status_code == 409
    assert resp.json()["code"] == "seats_available"


async def test_a_cancellation_offers_the_seat_to_the_first_in_line(apps: Apps) -> None:
    ready, taken, (first, second) = await full_library_with_a_line(apps)
    assert (first["position"], second["position"]) == (1, 2)
    Clock(apps)

    await cancel(apps, ready, taken["id"])

    offered = await entry(apps, ready, first["id"])
    assert offered["status"] == "offered"
    assert (await entry(apps, ready, second["id"]))["position"] == 1
    resp = await apps.client("booking").get(
        f"/api/v1/bookings/{offered['offer_booking_id']}", headers=ready.owner.headers
    )
    hold = resp.json()
    assert hold["student_id"] == str(ready.students[1])
    assert hold["seat_id"] == str(ready.seats[0])
    assert hold["status"] == "pending_payment"
    assert hold["hold_expires_at"] == offered["offer_expires_at"]
    # Offered on the plan's terms when the student joined; a first booking at this library.
    assert hold["total_paise"] == 300_000
    events = await booking_events(apps, "waitlist.offered")
    assert [(e["waitlist_entry_id"], e["booking_id"]) for e in events] == [
        (first["id"], hold["id"])
    ]


async def test_a_lapsed_offer_passes_to_the_next_in_line(apps: Apps) -> None:
    ready, taken, (first, second) = await full_library_with_a_line(apps)
    clock = Clock(apps)
    await cancel(apps, ready, taken["id"])
    first_offer = await entry(apps, ready, first["id"])
    assert first_offer["status"] == "offered"

    clock.advance(minutes=121)
    runtime = runtime_of(apps.app("booking"))
    result = await sweep_tenant(runtime, runtime.kit.tenants.shared, ready.tenant_id)
    assert result.expired == 1

    assert (await entry(apps, ready, first["id"]))["status"] == "lapsed"
    next_offer = await entry(apps, ready, second["id"])
    assert next_offer["status"] == "offered"
    resp = await apps.client("booking").post(
        f"/api/v1/bookings/{next_offer['offer_booking_id']}/confirm", headers=ready.owner.headers
    )
    assert resp.status_code == 200, resp.text
    assert (await entry(apps, ready, second["id"]))["status"] == "booked"


async def test_a_student_sees_and_leaves_its_own_place_in_line(apps: Apps) -> None:
    from tests.fixtures.bookings import student_login

    ready, _, (first, second) = await full_library_with_a_line(apps)
    student = await student_login(apps, ready, ready.students[2])
    mine = await apps.client("booking").get("/api/v1/bookings/waitlist", headers=student.headers)
    assert [e["id"] for e in mine.json()["items"]] == [second["id"]]
    other = await apps.client("booking").get(
        f"/api/v1/bookings/waitlist/{first['id']}", headers=student.headers
    )
    assert other.status_code == 404
    resp = await apps.client("booking").post(
        f"/api/v1/bookings/waitlist/{second['id']}/cancel", headers=student.headers
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "cancelled"
