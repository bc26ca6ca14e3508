"""`GET /api/v1/bookings/availability`: each seat's state for a period and shift, and places left."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from studyspot.services.booking.schemas.availability import Availability
from tests.conftest import Apps
from tests.fixtures.bookings import (
    ReadyLibrary,
    booked,
    booking_body,
    ready_library,
    set_seat_status,
    student_login,
    tomorrow,
)
from tests.fixtures.users import LoggedIn


async def availability(
    apps: Apps, ready: ReadyLibrary, who: LoggedIn, **params: str
) -> dict[str, Any]:
    query = {"library_id": str(ready.library_id), "start_date": tomorrow().isoformat(), **params}
    resp = await apps.client("booking").get(
        "/api/v1/bookings/availability", params=query, headers=who.headers
    )
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()
    Availability.model_validate(found)  # exactly the documented shape
    return found


async def test_seat_map_shows_booked_held_maintenance_and_free_seats(apps: Apps) -> None:
    ready = await ready_library(apps, seats=4, students=2)
    paid = await booked(apps, ready.owner, booking_body(ready))
    await apps.client("booking").post(
        f"/api/v1/bookings/{paid['id']}/confirm", headers=ready.owner.headers
    )
    await booked(
        apps, ready.owner, booking_body(ready, student=ready.students[1], seat=ready.seats[1])
    )
    await set_seat_status(apps, ready.owner, ready.library_id, ready.seats[2], "maintenance")

    morning = await availability(apps, ready, ready.owner, shift_id=str(ready.shifts["morning"]))
    assert [(s["label"], s["state"]) for s in morning["seats"]] == [
        ("A1", "booked"),
        ("A2", "held"),
        ("A3", "maintenance"),
        ("A4", "free"),
    ]
    assert morning["counts"] == {"free": 1, "held": 1, "booked": 1, "maintenance": 1}
    assert (morning["window_start"], morning["window_end"]) == ("06:00", "12:00")
    places = {f["seat_type"]: (f["capacity"], f["left"]) for f in morning["floating"]}
    assert places["any"] == (3, 1)

    # The night does not touch the morning; the full day does.
    night = await availability(apps, ready, ready.owner, shift_id=str(ready.shifts["night"]))
    assert night["counts"] == {"free": 3, "held": 0, "booked": 0, "maintenance": 1}
    whole_day = await availability(apps, ready, ready.owner)
    assert whole_day["counts"]["free"] == 1


async def test_a_booking_later_in_the_period_makes_the_seat_booked(apps: Apps) -> None:
    ready = await ready_library(apps, seats=1, students=1)
    later = tomorrow() + timedelta(days=40)
    paid = await booked(apps, ready.owner, booking_body(ready, start=later))
    await apps.client("booking").post(
        f"/api/v1/bookings/{paid['id']}/confirm", headers=ready.owner.headers
    )
    before = await availability(
        apps, ready, ready.owner, end_date=(later - timedelta(days=1)).isoformat()
    )
    assert before["seats"][0]["state"] == "free"
    spanning = await availability(apps, ready, ready.owner, end_date=later.isoformat())
    assert spanning["seats"][0]["state"] == "booked"


async def test_students_see_availability_other_tenants_do_not(apps: Apps) -> None:
    ready = await ready_library(apps, seats=2, students=1)
    student = await student_login(apps, ready, ready.students[0])
    seen = await availability(apps, ready, student)
    assert len(seen["seats"]) == 2

    stranger = await ready_library(apps, seats=0, students=0, name="Elsewhere")
    resp = await apps.client("booking").get(
        "/api/v1/bookings/availability",
        params={"library_id": str(ready.library_id), "start_date": tomorrow().isoformat()},
        headers=stranger.owner.headers,
    )
    assert resp.status_code == 404


async def test_a_period_ending_before_it_starts_is_refused(apps: Apps) -> None:
    ready = await ready_library(apps, seats=1, students=0)
    resp = await apps.client("booking").get(
        "/api/v1/bookings/availability",
        params={
            "library_id": str(ready.library_id),
            "start_date": tomorrow().isoformat(),
            "end_date": (tomorrow() - timedelta(days=2)).isoformat(),
        },
        headers=ready.owner.headers,
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "query.end_date"
