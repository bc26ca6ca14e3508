"""Realtime occupancy: live seat counts, and unknown counts flagged unavailable, never invented."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import Apps
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


async def test_occupancy_counts_seats_and_flags_bookings_and_attendance_unavailable(
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
        "bookings": "unavailable",
        "attendance": "unavailable",
    }
    by_name = {lib["name"]: lib for lib in report["libraries"]}
    assert set(by_name) == {"Pune", "Kota"}
    p = by_name["Pune"]
    assert (p["seats_total"], p["under_maintenance"]) == (12, 2)
    assert (p["booked"], p["checked_in_now"], p["free"]) == (None, None, None)
    shifts = {s["name"]: s for s in p["shifts"]}
    assert shifts["Now"]["is_current"] is True
    assert shifts["Later"]["is_current"] is False
    assert shifts["Long"]["is_current"] is True
    for shift in shifts.values():
        assert (shift["seats_total"], shift["under_maintenance"]) == (12, 2)
        assert (shift["booked"], shift["checked_in_now"], shift["free"]) == (None, None, None)
    assert (by_name["Kota"]["seats_total"], by_name["Kota"]["shifts"]) == (4, [])

    one = await client.get(OCCUPANCY, params={"library_id": kota}, headers=owner.headers)
    assert [lib["name"] for lib in one.json()["libraries"]] == ["Kota"]
    missing = await client.get(
        OCCUPANCY, params={"library_id": str(uuid.uuid4())}, headers=owner.headers
    )
    assert missing.status_code == 404


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
