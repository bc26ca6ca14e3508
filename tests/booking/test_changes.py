"""Renew, transfer and pause a paid booking."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.conftest import Apps
from tests.fixtures.bookings import (
    Clock,
    ReadyLibrary,
    add_pausable_plan,
    add_plan,
    book,
    booked,
    booking_body,
    booking_events,
    ready_library,
)


async def paid(apps: Apps, ready: ReadyLibrary, body: dict[str, Any]) -> dict[str, Any]:
    held = await booked(apps, ready.owner, body)
    resp = await apps.client("booking").post(
        f"/api/v1/bookings/{held['id']}/confirm", headers=ready.owner.headers
    )
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()
    return found


async def post(
    apps: Apps, ready: ReadyLibrary, path: str, body: dict[str, Any] | None = None
) -> Any:
    return await apps.client("booking").post(path, json=body, headers=ready.owner.headers)


async def test_renewal_opens_a_week_before_the_end_and_keeps_the_seat(apps: Apps) -> None:
    ready = await ready_library(apps)
    clock = Clock(apps)
    current = await paid(apps, ready, booking_body(ready))
    resp = await post(apps, ready, f"/api/v1/bookings/{current['id']}/renew")
    assert resp.status_code == 409
    assert resp.json()["code"] == "renewal_not_open"

    end = date.fromisoformat(current["end_date"])
    clock.advance(days=(end - clock.now.date()).days - 6)
    resp = await post(apps, ready, f"/api/v1/bookings/{current['id']}/renew")
    assert resp.status_code == 201, resp.text
    renewal = resp.json()
    assert renewal["start_date"] == (end + timedelta(days=1)).isoformat()
    assert renewal["seat_id"] == current["seat_id"]
    assert renewal["renewed_from_id"] == current["id"]
    assert renewal["status"] == "pending_payment"
    # Registration and deposit were paid with the first booking.
    assert (renewal["registration_fee_paise"], renewal["total_paise"]) == (0, 150_000)

    again = await post(apps, ready, f"/api/v1/bookings/{current['id']}/renew")
    assert again.status_code == 409
    assert again.json()["code"] == "already_renewed"


async def test_renewal_needs_another_seat_when_its_own_is_taken(apps: Apps) -> None:
    ready = await ready_library(apps)
    clock = Clock(apps)
    current = await paid(apps, ready, booking_body(ready))
    end = date.fromisoformat(current["end_date"])
    await paid(
        apps, ready, booking_body(ready, student=ready.students[1], start=end + timedelta(days=3))
    )
    clock.advance(days=(end - clock.now.date()).days - 3)
    resp = await post(apps, ready, f"/api/v1/bookings/{current['id']}/renew")
    assert resp.status_code == 409
    assert resp.json()["code"] == "seat_unavailable"
    resp = await post(
        apps, ready, f"/api/v1/bookings/{current['id']}/renew", {"seat_id": str(ready.seats[1])}
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["seat_label"] == "A2"


async def test_transfer_moves_the_rest_of_a_booking_and_frees_the_old_seat(apps: Apps) -> None:
    ready = await ready_library(apps)
    current = await paid(apps, ready, booking_body(ready))
    resp = await post(
        apps,
        ready,
        f"/api/v1/bookings/{current['id']}/transfer",
        {"seat_id": str(ready.seats[1]), "shift_id": str(ready.shifts["afternoon"])},
    )
    assert resp.status_code == 200, resp.text
    moved = resp.json()
    assert moved["price_difference_paise"] == 0
    assert moved["booking"]["seat_label"] == "A2"
    assert moved["booking"]["window_start"] == "12:00"
    assert moved["effective_date"] == current["start_date"]
    # The old seat and shift are free again; the new ones are taken.
    await booked(apps, ready.owner, booking_body(ready, student=ready.students[1]))
    resp = await book(
        apps,
        ready.owner,
        booking_body(ready, student=ready.students[1], seat=ready.seats[1], shift="afternoon"),
    )
    assert resp.status_code == 409
    events = await booking_events(apps, "booking.transferred")
    assert [(e["from_seat_id"], e["to_seat_id"]) for e in events] == [
        (str(ready.seats[0]), str(ready.seats[1]))
    ]


async def test_transfer_to_a_dearer_plan_computes_the_difference(apps: Apps) -> None:
    ready = await ready_library(apps)
    current = await paid(apps, ready, booking_body(ready))
    dearer = await add_plan(
        apps,
        ready.owner,
        ready.library_id,
        shift_ids=[ready.shifts["morning"]],
        price_paise=180_000,
    )
    resp = await post(
        apps, ready, f"/api/v1/bookings/{current['id']}/transfer", {"fee_plan_id": dearer["id"]}
    )
    assert resp.status_code == 200, resp.text
    # Not started yet: the whole period moves, so the whole difference (incl. GST) is owed.
    assert resp.json()["price_difference_paise"] == 30_000
    assert resp.json()["booking"]["fee_plan_id"] == dearer["id"]


async def test_transfer_into_a_taken_seat_is_refused(apps: Apps) -> None:
    ready = await ready_library(apps)
    current = await paid(apps, ready, booking_body(ready))
    await booked(
        apps, ready.owner, booking_body(ready, student=ready.students[1], seat=ready.seats[1])
    )
    resp = await post(
        apps,
        ready,
        f"/api/v1/bookings/{current['id']}/transfer",
        {"seat_id": str(ready.seats[1])},
    )
    assert resp.status_code == 409
    assert resp.json()["code"] == "seat_unavailable"


async def pausable(
    apps: Apps, ready: ReadyLibrary, *, keep_seat: bool, other: bool = False
) -> dict[str, Any]:
    """A paid booking on a plan allowing one pause of up to 10 days a year (seat A1, or A2)."""
    await add_pausable_plan(apps, ready, keep_seat=keep_seat)
    ready.plans["daily"] = await add_plan(
        apps,
        ready.owner,
        ready.library_id,
        shift_ids=[ready.shifts["morning"]],
        duration_unit="day",
        duration_value=1,
        price_paise=8_000,
    )
    if other:
        return await paid(
            apps,
            ready,
            booking_body(ready, plan="pausable", student=ready.students[1], seat=ready.seats[1]),
        )
    return await paid(apps, ready, booking_body(ready, plan="pausable"))


async def test_pause_moves_the_end_and_gives_the_seat_back_meanwhile(apps: Apps) -> None:
    ready = await ready_library(apps)
    current = await pausable(apps, ready, keep_seat=False)
    start = date.fromisoformat(current["start_date"])
    pause_start = start + timedelta(days=5)
    resp = await post(
        apps,
        ready,
        f"/api/v1/bookings/{current['id']}/pause",
        {"start_date": pause_start.isoformat(), "days": 4, "reason": "Exams at home"},
    )
    assert resp.status_code == 200, resp.text
    paused = resp.json()
    end = date.fromisoformat(current["end_date"])
    assert paused["end_date"] == (end + timedelta(days=4)).isoformat()
    assert paused["paused_days"] == 4

    # During the pause someone else may use the seat for a day; not the day before.
    await booked(
        apps,
        ready.owner,
        booking_body(ready, student=ready.students[1], plan="daily", start=pause_start),
    )
    resp = await book(
        apps,
        ready.owner,
        booking_body(
            ready, student=ready.students[1], plan="daily", start=pause_start - timedelta(days=1)
        ),
    )
    assert resp.status_code == 409

    again = await post(
        apps,
        ready,
        f"/api/v1/bookings/{current['id']}/pause",
        {"start_date": (pause_start + timedelta(days=10)).isoformat(), "days": 2},
    )
    assert again.status_code == 422
    assert again.json()["code"] == "pause_limit_reached"


async def test_pause_keeps_the_seat_when_the_plan_says_so(apps: Apps) -> None:
    ready = await ready_library(apps)
    current = await pausable(apps, ready, keep_seat=True)
    pause_start = date.fromisoformat(current["start_date"]) + timedelta(days=2)
    resp = await post(
        apps,
        ready,
        f"/api/v1/bookings/{current['id']}/pause",
        {"start_date": pause_start.isoformat(), "days": 3},
    )
    assert resp.status_code == 200, resp.text
    resp = await book(
        apps,
        ready.owner,
        booking_body(ready, student=ready.students[1], plan="daily", start=pause_start),
    )
    assert resp.status_code == 409


async def test_pause_is_refused_beyond_the_plans_limits(apps: Apps) -> None:
    ready = await ready_library(apps)
    plain = await paid(apps, ready, booking_body(ready))
    resp = await post(
        apps,
        ready,
        f"/api/v1/bookings/{plain['id']}/pause",
        {"start_date": plain["start_date"], "days": 2},
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "pause_not_allowed"

    pausable_booking = await pausable(apps, ready, keep_seat=False, other=True)
    resp = await post(
        apps,
        ready,
        f"/api/v1/bookings/{pausable_booking['id']}/pause",
        {"start_date": pausable_booking["start_date"], "days": 11},
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "pause_too_long"


async def test_pause_that_would_run_into_the_next_booking_is_refused(apps: Apps) -> None:
    ready = await ready_library(apps)
    current = await pausable(apps, ready, keep_seat=True)
    end = date.fromisoformat(current["end_date"])
    await booked(
        apps,
        ready.owner,
        booking_body(ready, student=ready.students[1], plan="daily", start=end + timedelta(days=2)),
    )
    resp = await post(
        apps,
        ready,
        f"/api/v1/bookings/{current['id']}/pause",
        {"start_date": current["start_date"], "days": 3},
    )
    assert resp.status_code == 409
    assert resp.json()["code"] == "seat_unavailable"
