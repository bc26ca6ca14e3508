"""Staff scanning students' own codes when the door is down: each scan's outcome, the
queue's duplicates, a released seat, a return after checking out, and the batch limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from studyspot.services.attendance.schemas import MAX_SCANS
from tests.conftest import Apps
from tests.fixtures.attendance import (
    ATTENDANCE,
    Clock,
    booked_student,
    deliver_no_shows,
    display_code,
    sweep,
)
from tests.fixtures.bookings import (
    booking_events,
    local_moment,
    ready_library,
    student_login,
    tomorrow,
)
from tests.fixtures.users import LoggedIn


async def _my_code(apps: Apps, student: LoggedIn) -> str:
    resp = await apps.client("attendance").get(f"{ATTENDANCE}/my-code", headers=student.headers)
    assert resp.status_code == 200, resp.text
    code: str = resp.json()["code"]
    return code


async def _upload(apps: Apps, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return await apps.client("attendance").post(f"{ATTENDANCE}/scan", json=body, headers=headers)


async def test_each_scan_of_a_queue_gets_its_own_outcome(apps: Apps) -> None:
    ready = await ready_library(apps, seats=4, students=4)
    clock = Clock(apps)
    day = tomorrow()
    came = await booked_student(apps, ready, shift="morning", start=day, index=0)
    twice = await booked_student(apps, ready, shift="morning", start=day, index=1)
    evening = await booked_student(apps, ready, shift="afternoon", start=day, index=2)
    unbooked = ready.students[3]

    at = clock.set(local_moment(day, "06:05"))
    came_code = await _my_code(apps, came.student)
    twice_first = await _my_code(apps, twice.student)
    evening_code = await _my_code(apps, evening.student)
    clock.advance(seconds=30)
    twice_later = await _my_code(apps, twice.student)
    unbooked_code = await _my_code(apps, await student_login(apps, ready, unbooked))
    forged = came_code[:-2] + ("AA" if not came_code.endswith("AA") else "BB")
    scans = [
        {"code": came_code, "scanned_at": at.isoformat()},
        {"code": came_code, "scanned_at": at.isoformat()},  # the same scan queued twice
        {"code": twice_first, "scanned_at": at.isoformat()},
        # The same student again a step later, still in: already checked in.
        {"code": twice_later, "scanned_at": (at + timedelta(seconds=30)).isoformat()},
        {"code": evening_code, "scanned_at": at.isoformat()},  # not their shift
        {"code": unbooked_code, "scanned_at": (at + timedelta(seconds=30)).isoformat()},
        {"code": forged, "scanned_at": at.isoformat()},
    ]
    body = {"library_id": str(ready.library_id), "scans": scans}
    resp = await _upload(apps, ready.owner.headers, body)
    assert resp.status_code == 200, resp.text
    result = resp.json()
    got = [(o["index"], o["status"], o["code"]) for o in result["outcomes"]]
    assert got == [
        (0, "checked_in", None),
        (1, "duplicate", None),
        (2, "checked_in", None),
        (3, "refused", "already_checked_in"),
        (4, "refused", "outside_shift"),
        (5, "refused", "no_active_booking"),
        (6, "refused", "invalid_code"),
    ]
    assert (result["checked_in"], result["duplicates"], result["refused"]) == (2, 1, 4)
    checked = {o["student_id"]: o["attendance_id"] for o in result["outcomes"][:3:2]}
    assert set(checked) == {str(came.student_id), str(twice.student_id)}

    register = await apps.client("attendance").get(
        f"{ATTENDANCE}/libraries/{ready.library_id}/register",
        params={"date": day.isoformat()},
        headers=ready.owner.headers,
    )
    entries = {e["student_id"]: e for e in register.json()["items"]}
    assert entries[str(came.student_id)]["status"] == "present"
    assert entries[str(twice.student_id)]["status"] == "present"
    # One event per check-in, carrying the record the API reported.
    events = await booking_events(apps, "attendance.checked_in")
    assert sorted(e["id"] for e in events) == sorted(checked.values())

    # The whole queue again: every genuine scan is a duplicate, nothing is written twice.
    again = (await _upload(apps, ready.owner.headers, body)).json()
    assert [o["status"] for o in again["outcomes"]] == ["duplicate"] * 6 + ["refused"]
    assert len(await booking_events(apps, "attendance.checked_in")) == 2


async def test_a_released_seat_is_refused_and_a_return_after_check_out_reopens(
    apps: Apps,
) -> None:
    ready = await ready_library(apps, seats=3, students=3)
    clock = Clock(apps)
    day = tomorrow()
    absent = await booked_student(apps, ready, shift="morning", start=day, index=0)
    lunch = await booked_student(apps, ready, shift="morning", start=day, index=1)
    inside = await booked_student(apps, ready, shift="morning", start=day, index=2)

    clock.set(local_moment(day, "06:05"))
    door = await display_code(apps, ready.owner.headers, ready.library_id)
    entered = await apps.client("attendance").post(
        f"{ATTENDANCE}/check-in", json={"code": door["code"]}, headers=lunch.student.headers
    )
    assert entered.status_code == 201, entered.text
    stays = await apps.client("attendance").post(
        f"{ATTENDANCE}/check-in", json={"code": door["code"]}, headers=inside.student.headers
    )
    assert stays.status_code == 201, stays.text
    clock.set(local_moment(day, "06:31"))
    assert (await sweep(apps))[0] == 1  # `absent` is a no-show: the seat is released today
    await deliver_no_shows(apps, ready)
    clock.set(local_moment(day, "09:00"))
    out_code = (await display_code(apps, ready.owner.headers, ready.library_id))["code"]
    left = await apps.client("attendance").post(
        f"{ATTENDANCE}/check-out", json={"code": out_code}, headers=lunch.student.headers
    )
    assert left.status_code == 200, left.text

    at = clock.set(local_moment(day, "10:00"))
    scans = [
        {"code": await _my_code(apps, absent.student), "scanned_at": at.isoformat()},
        {"code": await _my_code(apps, lunch.student), "scanned_at": at.isoformat()},
        # In since the morning by the door: scanned as well, still one visit.
        {"code": await _my_code(apps, inside.student), "scanned_at": at.isoformat()},
    ]
    resp = await _upload(
        apps, ready.owner.headers, {"library_id": str(ready.library_id), "scans": scans}
    )
    assert resp.status_code == 200, resp.text
    outcomes = resp.json()["outcomes"]
    assert (outcomes[0]["status"], outcomes[0]["code"]) == ("refused", "seat_released")
    # Back from lunch: the morning's record is open again, the first visit's minutes kept.
    assert outcomes[1]["status"] == "checked_in"
    assert outcomes[1]["attendance_id"] == entered.json()["id"]
    assert (outcomes[2]["status"], outcomes[2]["code"]) == ("refused", "already_checked_in")
    record = await apps.client("attendance").get(
        f"{ATTENDANCE}/libraries/{ready.library_id}/register",
        params={"date": day.isoformat()},
        headers=ready.owner.headers,
    )
    mine = next(e for e in record.json()["items"] if e["student_id"] == str(lunch.student_id))
    assert mine["status"] in ("present", "late")
    assert mine["attendance"]["checked_out_at"] is None


async def test_a_queue_over_the_limit_is_refused_before_anything_is_checked(apps: Apps) -> None:
    ready = await ready_library(apps, seats=1, students=1)
    clock = Clock(apps)
    day = tomorrow()
    who = await booked_student(apps, ready, shift="morning", start=day)
    at = clock.set(local_moment(day, "06:05"))
    code = await _my_code(apps, who.student)
    scan = {"code": code, "scanned_at": at.isoformat()}
    over = {"library_id": str(ready.library_id), "scans": [scan] * (MAX_SCANS + 1)}
    resp = await _upload(apps, ready.owner.headers, over)
    assert resp.status_code == 422, resp.text
    assert await booking_events(apps, "attendance.checked_in") == []
    # At the limit the queue is taken: one check-in, the rest the same scan again.
    full = {"library_id": str(ready.library_id), "scans": [scan] * MAX_SCANS}
    result = (await _upload(apps, ready.owner.headers, full)).json()
    assert (result["checked_in"], result["duplicates"]) == (1, MAX_SCANS - 1)
    assert len(await booking_events(apps, "attendance.checked_in")) == 1
