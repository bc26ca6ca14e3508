"""Realtime occupancy: seats live, bookings from the booking service, and whatever cannot be
known (bookings or check-ins when that service cannot answer) flagged unavailable, never invented."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from studyspot.kit.service_client import Reply, use_transport
from studyspot.services.booking.client import BookingClient, OccupancyLibrary, OccupancyQuery
from studyspot.services.library.upstream import upstream_of
from tests.conftest import Apps
from tests.fixtures.bookings import (
    Clock,
    add_plan,
    booked,
    booking_body,
    booking_unreachable,
    local_moment,
    paid,
    ready_library,
    set_seat_status,
    today_in_india,
    tomorrow,
)
from tests.fixtures.library import (
    FEE_PLANS,
    LIBRARIES,
    create_fee_plan,
    create_library,
    create_seats,
    create_shift,
    owner_with_limits,
)
from tests.fixtures.students import student_body
from tests.fixtures.users import DEFAULT_PASSWORD, LoggedIn, accept_invite, login

OCCUPANCY = f"{LIBRARIES}/realtime-occupancy"


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


async def test_occupancy_counts_seats_bookings_and_check_ins_live(
    apps: Apps,
) -> None:
    owner = await owner_with_limits(apps)
    pune = (await create_library(apps, owner, name="Pune"))["id"]
    kota = (await create_library(apps, owner, name="Kota", timezone="Asia/Kolkata"))["id"]
    seats = await create_seats(apps, owner, pune, count=12)
    await create_seats(apps, owner, kota, count=4)
    client = apps.client("library")
    for seat in seats[:2]:
        await client.patch(
            f"{LIBRARIES}/{pune}/seats/{seat['id']}",
            json={"status": "maintenance"},
            headers=owner.headers,
        )
    now = datetime.now(ZoneInfo("Asia/Kolkata"))
    # Windows an hour wide around now, so the test cannot straddle their edges.
    await create_shift(
        apps, owner, pune, "Now", _hhmm(now - timedelta(hours=1)), _hhmm(now + timedelta(hours=1))
    )
    await create_shift(
        apps, owner, pune, "Later", _hhmm(now + timedelta(hours=2)), _hhmm(now + timedelta(hours=3))
    )
    # Starts an hour ago and ends two hours before now: it runs across midnight through now.
    await create_shift(
        apps, owner, pune, "Long", _hhmm(now - timedelta(hours=1)), _hhmm(now - timedelta(hours=2))
    )

    resp = await client.get(OCCUPANCY, headers=owner.headers)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["sources"] == {
        "seats": "live",
        "bookings": "live",
        "attendance": "live",
    }
    by_name = {lib["name"]: lib for lib in report["libraries"]}
    assert set(by_name) == {"Pune", "Kota"}
    p = by_name["Pune"]
    assert (p["seats_total"], p["under_maintenance"]) == (12, 2)
    # Nothing booked yet and nobody in, truly: the booking and attendance services said so.
    assert (p["booked"], p["checked_in_now"], p["free"]) == (0, 0, 10)
    shifts = {s["name"]: s for s in p["shifts"]}
    assert shifts["Now"]["is_current"] is True
    assert shifts["Later"]["is_current"] is False
    assert shifts["Long"]["is_current"] is True
    for shift in shifts.values():
        assert (shift["seats_total"], shift["under_maintenance"]) == (12, 2)
        assert (shift["booked"], shift["checked_in_now"], shift["free"]) == (0, 0, 10)
    kota_row = by_name["Kota"]
    assert (kota_row["seats_total"], kota_row["free"], kota_row["shifts"]) == (4, 4, [])

    one = await client.get(OCCUPANCY, params={"library_id": kota}, headers=owner.headers)
    assert [lib["name"] for lib in one.json()["libraries"]] == ["Kota"]
    missing = await client.get(
        OCCUPANCY, params={"library_id": str(uuid.uuid4())}, headers=owner.headers
    )
    assert missing.status_code == 404


async def _occupancy(apps: Apps, who: LoggedIn, library_id: uuid.UUID) -> dict[str, Any]:
    resp = await apps.client("library").get(
        OCCUPANCY, params={"library_id": str(library_id)}, headers=who.headers
    )
    assert resp.status_code == 200, resp.text
    report: dict[str, Any] = resp.json()
    return report


def _by_shift(library: dict[str, Any]) -> dict[str, tuple[int | None, int | None]]:
    return {s["name"]: (s["booked"], s["free"]) for s in library["shifts"]}


async def test_bookings_fill_occupancy_now_and_per_shift_across_midnight(apps: Apps) -> None:
    ready = await ready_library(apps, seats=6, students=5)
    owner, lib = ready.owner, ready.library_id
    a1, a2, a3, a4, _a5, a6 = ready.seats
    floating_plan = await add_plan(apps, owner, lib, name="Floating", seat_assignment="floating")
    ready.plans["floating"] = floating_plan
    await set_seat_status(apps, owner, lib, a6, "maintenance")
    day = tomorrow()
    clock = Clock(apps)
    clock.now = local_moment(day, "21:00")
    s1, s2, s3, s4, s5 = ready.students
    await paid(apps, owner, booking_body(ready, student=s1, seat=a1, shift="night", start=day))
    await paid(
        apps, owner, booking_body(ready, student=s2, seat=a2, shift=None, plan="full", start=day)
    )
    gone = await paid(apps, owner, booking_body(ready, student=s3, seat=a3, start=day))
    cancelled = await apps.client("booking").post(
        f"/api/v1/bookings/{gone['id']}/cancel",
        json={"reason": "moved away"},
        headers=owner.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    # A payment hold, never paid: it takes its seat only until the hold runs out.
    await booked(
        apps, owner, booking_body(ready, student=s4, seat=a4, shift=None, plan="full", start=day)
    )
    floating = booking_body(ready, student=s5, shift=None, plan="floating", start=day)
    floating.pop("seat_id")
    await paid(apps, owner, floating)

    evening = (await _occupancy(apps, owner, lib))["libraries"][0]
    assert (evening["seats_total"], evening["under_maintenance"]) == (6, 1)
    # 21:00: A2 (full day), A4 (held) and one floating place; the night shift starts at 22:00.
    assert (evening["booked"], evening["free"]) == (3, 2)

    clock.now = local_moment(day + timedelta(days=1), "02:00")
    report = await _occupancy(apps, owner, lib)
    assert report["sources"]["bookings"] == "live"
    night = report["libraries"][0]
    # 02:00 next morning: A1's night (begun at 22:00), A2's full day, the floating place;
    # A4's hold ran out, A3 was cancelled, A6 is under maintenance.
    assert (night["booked"], night["free"]) == (3, 2)
    assert _by_shift(night) == {
        "Night": (3, 2),  # the occurrence running now, begun yesterday at 22:00
        "Early": (3, 2),  # 05:00-09:00 meets A1's night until 06:00
        "Morning": (2, 3),
        "Afternoon": (2, 3),
        "Full": (3, 2),
    }

    # A booked seat sent to maintenance is not taken away twice from what is free.
    await set_seat_status(apps, owner, lib, a2, "maintenance")
    later = (await _occupancy(apps, owner, lib))["libraries"][0]
    assert (later["under_maintenance"], later["booked"], later["free"]) == (2, 3, 2)


async def test_another_tenants_bookings_are_never_counted(apps: Apps) -> None:
    mine = await ready_library(apps, seats=3, students=1)
    theirs = await ready_library(apps, seats=3, students=2, name="Elsewhere")
    for student, seat in zip(theirs.students, theirs.seats, strict=False):
        await paid(
            apps,
            theirs.owner,
            booking_body(
                theirs, student=student, seat=seat, shift=None, plan="full", start=today_in_india()
            ),
        )
    await paid(
        apps,
        mine.owner,
        booking_body(mine, seat=mine.seats[0], shift=None, plan="full", start=today_in_india()),
    )
    report = await _occupancy(apps, mine.owner, mine.library_id)
    assert (report["libraries"][0]["booked"], report["libraries"][0]["free"]) == (1, 2)
    assert set(_by_shift(report["libraries"][0]).values()) == {(1, 2)}
    theirs_report = await _occupancy(apps, theirs.owner, theirs.library_id)
    assert theirs_report["libraries"][0]["booked"] == 2

    # Asked by id for the other tenant's library, the booking service finds none of its bookings.
    client = BookingClient(apps.dbs.settings(), caller="library")
    try:
        answer = await client.occupancy_now(
            OccupancyQuery(
                tenant_id=mine.tenant_id,
                libraries=[OccupancyLibrary(library_id=theirs.library_id, timezone="Asia/Kolkata")],
            )
        )
        assert (answer.libraries[0].reserved, answer.libraries[0].floating) == (0, 0)
        # A service token for one tenant cannot ask about another.
        body = {"tenant_id": str(theirs.tenant_id), "libraries": []}
        reply = await client.call(
            "POST", "/internal/bookings/occupancy", json=body, tenant_id=mine.tenant_id
        )
        assert (reply.status, reply.json()["code"]) == (403, "tenant_mismatch")
    finally:
        await client.close()


async def test_occupancy_says_bookings_unavailable_when_the_booking_service_cannot_answer(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready = await ready_library(apps, seats=4, students=1)
    await paid(
        apps, ready.owner, booking_body(ready, shift=None, plan="full", start=today_in_india())
    )
    assert (await _occupancy(apps, ready.owner, ready.library_id))["libraries"][0]["booked"] == 1

    def unavailable(report: dict[str, Any]) -> None:
        assert report["sources"] == {
            "seats": "live",
            "bookings": "unavailable",
            "attendance": "live",
        }
        library = report["libraries"][0]
        assert (library["seats_total"], library["booked"], library["free"]) == (4, None, None)
        assert {(s["booked"], s["free"]) for s in library["shifts"]} == {(None, None)}

    async with booking_unreachable(apps, monkeypatch, upstream_of(apps.app("library")), "library"):
        unavailable(await _occupancy(apps, ready.owner, ready.library_id))

    async def failing(*_: object) -> Reply:
        return Reply(500, {"content-type": "application/problem+json"}, b"{}")

    use_transport("booking", failing)
    unavailable(await _occupancy(apps, ready.owner, ready.library_id))


async def _student_login(apps: Apps, owner: LoggedIn, library_id: str) -> LoggedIn:
    body = student_body(library_id)
    made = await apps.client("student").post("/api/v1/students", json=body, headers=owner.headers)
    assert made.status_code == 201, made.text
    student_id = uuid.UUID(made.json()["id"])
    invited = await apps.client("student").post(
        f"/api/v1/students/{student_id}/invite", headers=owner.headers
    )
    assert invited.status_code == 202, invited.text
    assert owner.tenant_id is not None
    await accept_invite(apps, tenant_id=owner.tenant_id, user_table="students", user_id=student_id)
    return await login(
        apps,
        email=body["email"],
        password=DEFAULT_PASSWORD,
        user_type="student",
        tenant_slug=owner.tenant_slug,
    )


async def test_students_see_open_branches_and_plans_on_sale_but_not_occupancy(
    apps: Apps,
) -> None:
    owner = await owner_with_limits(apps)
    open_ = (await create_library(apps, owner, name="Open"))["id"]
    closed = (await create_library(apps, owner, name="Closed"))["id"]
    on_sale = await create_fee_plan(apps, owner, open_, name="On sale")
    await create_fee_plan(apps, owner, open_, name="Retired", is_active=False)
    student = await _student_login(apps, owner, open_)
    client = apps.client("library")
    await client.patch(f"{LIBRARIES}/{closed}", json={"status": "closed"}, headers=owner.headers)

    listed = await client.get(LIBRARIES, headers=student.headers)
    assert [lib["name"] for lib in listed.json()["items"]] == ["Open"]
    assert (await client.get(f"{LIBRARIES}/{closed}", headers=student.headers)).status_code == 404
    plans = await client.get(FEE_PLANS, headers=student.headers)
    assert [p["id"] for p in plans.json()["items"]] == [on_sale["id"]]
    seats = await client.get(f"{LIBRARIES}/{open_}/seats", headers=student.headers)
    assert seats.status_code == 200
    occupancy = await client.get(OCCUPANCY, headers=student.headers)
    assert occupancy.status_code == 403
    change = await client.patch(f"{LIBRARIES}/{open_}", json={"city": "X"}, headers=student.headers)
    assert change.status_code == 403
