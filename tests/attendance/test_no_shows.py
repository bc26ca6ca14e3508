"""No-shows: the seat of whoever is not in by start + grace is free for that day only."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Apps
from tests.fixtures.attendance import (
    ATTENDANCE,
    Clock,
    booked_student,
    check_in,
    deliver_no_shows,
    display_code,
    sweep,
)
from tests.fixtures.bookings import booking_events, local_moment, ready_library, tomorrow


async def occupancy(apps: Apps, ready: object) -> dict:  # type: ignore[type-arg]
    resp = await apps.client("library").get(
        "/api/v1/libraries/realtime-occupancy",
        params={"library_id": str(ready.library_id)},  # type: ignore[attr-defined]
        headers=ready.owner.headers,  # type: ignore[attr-defined]
    )
    assert resp.status_code == 200, resp.text
    found: dict = resp.json()["libraries"][0]  # type: ignore[type-arg]
    return found


async def test_the_no_show_job_releases_exactly_the_unchecked_seats_once(apps: Apps) -> None:
    ready = await ready_library(apps, seats=3, students=3)
    clock = Clock(apps)
    day = tomorrow()
    came = await booked_student(apps, ready, shift="morning", start=day, index=0)
    absent = await booked_student(apps, ready, shift="morning", start=day, index=1)
    evening = await booked_student(apps, ready, shift="afternoon", start=day, index=2)

    clock.set(local_moment(day, "06:10"))
    code = (await display_code(apps, ready.owner.headers, ready.library_id))["code"]
    assert (await check_in(apps, came.student, code)).status_code == 201
    # Before start + 30 minutes nobody is a no-show.
    assert await sweep(apps) == (0, 0)

    clock.set(local_moment(day, "06:31"))
    assert (await sweep(apps))[0] == 1
    assert (await sweep(apps))[0] == 0  # idempotent: run twice, released once
    events = await booking_events(apps, "attendance.no_show")
    assert [e["booking_id"] for e in events] == [absent.booking["id"]]
    assert evening.booking["id"] not in {e["booking_id"] for e in events}

    before = await occupancy(apps, ready)
    assert await deliver_no_shows(apps, ready) == 1
    assert await deliver_no_shows(apps, ready) == 0  # redelivery changes nothing
    after = await occupancy(apps, ready)
    assert after["booked"] == before["booked"] - 1
    assert after["free"] == before["free"] + 1
    assert after["checked_in_now"] == 1

    # Availability for that day shows the seat free; the next day it is held again.
    async def seat_free(on: object) -> bool:
        resp = await apps.client("booking").get(
            "/api/v1/bookings/availability",
            params={
                "library_id": str(ready.library_id),
                "shift_id": str(ready.shifts["morning"]),
                "start_date": on.isoformat(),  # type: ignore[attr-defined]
            },
            headers=ready.owner.headers,
        )
        assert resp.status_code == 200, resp.text
        seats = {s["seat_id"]: s for s in resp.json()["seats"]}
        return bool(seats[str(ready.seats[1])]["state"] == "free")

    assert await seat_free(day) is True
    assert await seat_free(day + timedelta(days=1)) is False

    # The booking itself is unchanged, and the student cannot take the released seat back
    # by the door; the register and the student's history show the no-show.
    code = (await display_code(apps, ready.owner.headers, ready.library_id))["code"]
    late = await check_in(apps, absent.student, code)
    assert late.json()["code"] == "seat_released"
    booking = await apps.client("booking").get(
        f"/api/v1/bookings/{absent.booking['id']}", headers=ready.owner.headers
    )
    assert booking.json()["status"] == absent.booking["status"]
    assert booking.json()["end_date"] == absent.booking["end_date"]
    summary = await apps.client("attendance").get(
        f"{ATTENDANCE}/libraries/{ready.library_id}/summary",
        params={"date": day.isoformat()},
        headers=ready.owner.headers,
    )
    morning = next(
        s for s in summary.json()["shifts"] if s["shift_id"] == str(ready.shifts["morning"])
    )
    assert (morning["booked"], morning["present"], morning["released"]) == (2, 1, 1)
    history = await apps.client("student").get(
        f"/api/v1/students/{absent.student_id}/attendance", headers=ready.owner.headers
    )
    assert history.status_code == 200, history.text
    assert history.json()["no_shows"] == 1
    assert history.json()["items"][0]["kind"] == "no_show"


async def test_the_sweeper_checks_out_who_stayed_past_the_end(apps: Apps) -> None:
    ready = await ready_library(apps)
    clock = Clock(apps)
    day = tomorrow()
    who = await booked_student(apps, ready, shift="morning", start=day)
    clock.set(local_moment(day, "06:00"))
    code = (await display_code(apps, ready.owner.headers, ready.library_id))["code"]
    assert (await check_in(apps, who.student, code)).status_code == 201
    clock.set(local_moment(day, "12:29"))
    assert (await sweep(apps))[1] == 0
    clock.set(local_moment(day, "12:31"))
    assert (await sweep(apps))[1] == 1
    assert (await sweep(apps))[1] == 0
    register = await apps.client("attendance").get(
        f"{ATTENDANCE}/libraries/{ready.library_id}/register",
        params={"date": day.isoformat()},
        headers=ready.owner.headers,
    )
    entry = register.json()["items"][0]
    assert entry["status"] == "checked_out"
    assert entry["attendance"]["check_out_method"] == "auto"
    assert entry["attendance"]["minutes_present"] == 360
    out = await booking_events(apps, "attendance.checked_out")
    assert len(out) == 1
