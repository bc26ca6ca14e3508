"""Checking in at the door: the code, the booking and the shift decide; the token says who."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from studyspot.services.booking.client import BookingClient
from tests.conftest import Apps
from tests.fixtures.attendance import (
    ATTENDANCE,
    Clock,
    booked_student,
    check_in,
    display_code,
)
from tests.fixtures.bookings import (
    add_pausable_plan,
    local_moment,
    ready_library,
    student_login,
    tomorrow,
)


async def test_a_student_checks_in_with_the_door_code_once_per_step(apps: Apps) -> None:
    ready = await ready_library(apps)
    clock = Clock(apps)
    day = tomorrow()
    who = await booked_student(apps, ready, shift="morning", start=day)
    clock.set(local_moment(day, "06:05"))
    shown = await display_code(apps, ready.owner.headers, ready.library_id)
    assert shown["check_in_url"].endswith(f"/attendance/check-in#code={shown['code']}")

    # A body naming another student is refused (unknown field), never obeyed.
    other = await check_in(apps, who.student, shown["code"], student_id=str(ready.students[1]))
    assert other.status_code == 422

    first = await check_in(apps, who.student, shown["code"])
    assert first.status_code == 201, first.text
    record = first.json()
    assert record["student_id"] == str(who.student_id)
    assert record["booking_id"] == who.booking["id"]
    assert record["day"] == day.isoformat()
    assert record["late"] is False

    again = await check_in(apps, who.student, shown["code"])
    assert again.status_code == 409
    assert again.json()["code"] == "code_replayed"

    clock.advance(seconds=30)
    fresh = await display_code(apps, ready.owner.headers, ready.library_id)
    twice = await check_in(apps, who.student, fresh["code"])
    assert twice.json()["code"] == "already_checked_in"


async def test_a_code_from_90_seconds_ago_has_expired(apps: Apps) -> None:
    ready = await ready_library(apps)
    clock = Clock(apps)
    day = tomorrow()
    who = await booked_student(apps, ready, shift="morning", start=day)
    clock.set(local_moment(day, "06:05"))
    old = await display_code(apps, ready.owner.headers, ready.library_id)
    clock.advance(seconds=90)
    resp = await check_in(apps, who.student, old["code"])
    assert resp.status_code == 410
    assert resp.json()["code"] == "code_expired"
    # Within one step of drift it still works.
    clock.advance(seconds=-60)
    assert (await check_in(apps, who.student, old["code"])).status_code == 201


async def test_another_tenants_code_is_refused_without_saying_why(apps: Apps) -> None:
    ready = await ready_library(apps)
    elsewhere = await ready_library(apps, name="Other Library")
    clock = Clock(apps)
    day = tomorrow()
    who = await booked_student(apps, ready, shift="morning", start=day)
    clock.set(local_moment(day, "06:05"))
    foreign = await display_code(apps, elsewhere.owner.headers, elsewhere.library_id)
    resp = await check_in(apps, who.student, foreign["code"])
    assert resp.status_code == 403
    assert resp.json()["code"] == "invalid_code"
    forged = foreign["code"][:-2] + ("AA" if not foreign["code"].endswith("AA") else "BB")
    assert (await check_in(apps, who.student, forged)).json()["code"] == "invalid_code"


async def test_the_shift_window_decides(apps: Apps) -> None:
    ready = await ready_library(apps, students=3)
    clock = Clock(apps)
    day = tomorrow()
    morning = await booked_student(apps, ready, shift="morning", start=day, index=0)
    night = await booked_student(apps, ready, shift="night", start=day, index=1)

    async def attempt(student_headers_of: object, at: str, on: object = day) -> str | int:
        clock.set(local_moment(on, at))  # type: ignore[arg-type]
        code = (await display_code(apps, ready.owner.headers, ready.library_id))["code"]
        resp = await check_in(apps, student_headers_of, code)  # type: ignore[arg-type]
        return resp.status_code if resp.status_code == 201 else resp.json()["code"]

    assert await attempt(morning.student, "16:00") == "outside_shift"
    # Opens 15 minutes before the start (the default), not 16.
    assert await attempt(morning.student, "05:44") == "outside_shift"
    # The 22:00-06:00 shift booked from `day` checks in at 01:30 the next day.
    assert await attempt(night.student, "01:30", day + timedelta(days=1)) == 201
    records = await apps.client("attendance").get(
        f"{ATTENDANCE}/libraries/{ready.library_id}/register",
        params={"date": day.isoformat()},
        headers=ready.owner.headers,
    )
    by_booking = {e["booking_id"]: e for e in records.json()["items"]}
    assert by_booking[night.booking["id"]]["status"] in ("present", "late")
    assert await attempt(morning.student, "05:45") == 201


async def test_no_booking_and_a_paused_booking_cannot_check_in(apps: Apps) -> None:
    ready = await ready_library(apps, students=2)
    await add_pausable_plan(apps, ready)
    clock = Clock(apps)
    day = tomorrow()
    paused = await booked_student(apps, ready, shift="morning", start=day, plan="pausable")
    resp = await apps.client("booking").post(
        f"/api/v1/bookings/{paused.booking['id']}/pause",
        json={"start_date": (day + timedelta(days=2)).isoformat(), "days": 3},
        headers=ready.owner.headers,
    )
    assert resp.status_code in (200, 201), resp.text
    clock.set(local_moment(day + timedelta(days=2), "06:10"))
    code = (await display_code(apps, ready.owner.headers, ready.library_id))["code"]
    denied = await check_in(apps, paused.student, code)
    assert (denied.status_code, denied.json()["code"]) == (403, "no_active_booking")

    nobody = await student_login(apps, ready, ready.students[1])
    resp = await check_in(apps, nobody, code)
    assert (resp.status_code, resp.json()["code"]) == (403, "no_active_booking")


async def test_door_check_ins_share_the_librarys_kept_bookings_until_one_changes(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library's bookings are asked for once and kept while its booking counter,
    read in the check-in's own transaction, says nothing changed; a booking made or
    paused since is seen by the very next check-in."""
    ready = await ready_library(apps, students=3)
    await add_pausable_plan(apps, ready)
    clock = Clock(apps)
    day = tomorrow()
    first = await booked_student(apps, ready, start=day, index=0)
    second = await booked_student(apps, ready, start=day, index=1, plan="pausable")
    fetched: list[uuid.UUID] = []
    real = BookingClient.library_bookings

    async def counting(self: BookingClient, *args: Any) -> Any:
        fetched.append(args[1])
        return await real(self, *args)

    monkeypatch.setattr(BookingClient, "library_bookings", counting)
    clock.set(local_moment(day, "06:05"))
    code = (await display_code(apps, ready.owner.headers, ready.library_id))["code"]
    assert (await check_in(apps, first.student, code)).status_code == 201
    assert fetched == [ready.library_id]

    # A new booking moves the counter: the third student is found at once.
    third = await booked_student(apps, ready, start=day, index=2)
    assert (await check_in(apps, third.student, code)).status_code == 201
    assert len(fetched) == 2

    # The second student's booking paused from today: refused by the very next check-in.
    paused = await apps.client("booking").post(
        f"/api/v1/bookings/{second.booking['id']}/pause",
        json={"start_date": day.isoformat(), "days": 3},
        headers=ready.owner.headers,
    )
    assert paused.status_code in (200, 201), paused.text
    denied = await check_in(apps, second.student, code)
    assert (denied.status_code, denied.json()["code"]) == (403, "no_active_booking")
    assert len(fetched) == 3

    # Nothing changed since: the replay is answered from the kept list.
    assert (await check_in(apps, first.student, code)).json()["code"] == "code_replayed"
    assert len(fetched) == 3
