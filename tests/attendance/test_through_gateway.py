"""The attendance proofs as a user meets them: through the gateway, every service a real
process (tests/fixtures/system.py), on the real clock.

The processes' clock is not ours to move, so every booking here is a full-day one from
today (open for check-in all day), and a code from 90 seconds ago is one the test signs
itself for an earlier step with the key the service uses (the environment's
ATTENDANCE_CODE_KEY, the development key in tests). Libraries, students and bookings are
made through the in-process apps over the same databases; everything asserted goes
through the gateway.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from studyspot.kit.db import unit_of_work
from studyspot.services.attendance.codes import Signer, step_of
from studyspot.services.attendance.config import AttendanceSettings
from studyspot.services.booking.models import Booking
from tests.conftest import Apps
from tests.fixtures.bookings import (
    ReadyLibrary,
    add_plan,
    add_seats,
    booking_body,
    paid,
    ready_library,
    student_login,
    today_in_india,
)
from tests.fixtures.library import create_library
from tests.fixtures.students import csv_bytes, raise_plan_limits, register_rows
from tests.fixtures.system import System, system, system_processes  # noqa: F401  (fixtures)
from tests.fixtures.users import DEFAULT_PASSWORD, register_owner

ATTENDANCE = "/api/attendance"


def signer() -> Signer:
    return Signer(*AttendanceSettings().code_keys())


async def _login(
    http: httpx.AsyncClient, email: str, slug: str | None, user_type: str
) -> dict[str, str]:
    body: dict[str, Any] = {"email": email, "password": DEFAULT_PASSWORD, "user_type": user_type}
    if slug is not None:
        body["tenant_slug"] = slug
    resp = await http.post("/api/auth/login", json=body)
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


async def _full_day_today(apps: Apps, ready: ReadyLibrary, index: int) -> None:
    body = booking_body(
        ready, student=ready.students[index], shift=None, plan="full", start=today_in_india()
    )
    await paid(apps, ready.owner, body)


async def _student(
    apps: Apps, http: httpx.AsyncClient, ready: ReadyLibrary, index: int
) -> dict[str, str]:
    """The student's password set from its invitation, then logged in through the gateway."""
    who = await student_login(apps, ready, ready.students[index])
    return await _login(http, who.email, ready.owner.tenant_slug, "student")


async def _door_code(http: httpx.AsyncClient, headers: dict[str, str], library: object) -> str:
    resp = await http.get(f"{ATTENDANCE}/libraries/{library}/display-code", headers=headers)
    assert resp.status_code == 200, resp.text
    code: str = resp.json()["code"]
    return code


async def test_door_codes_expire_replay_ignore_the_body_and_stay_in_their_tenant(
    system: System,  # noqa: F811
    apps: Apps,
) -> None:
    ready = await ready_library(apps, students=2)
    elsewhere = await ready_library(apps, students=0, name="Other Library")
    await _full_day_today(apps, ready, 0)
    async with system.client() as http:
        owner = await _login(http, ready.owner.email, None, "library_owner")
        other_owner = await _login(http, elsewhere.owner.email, None, "library_owner")
        student = await _student(apps, http, ready, 0)

        # A code from 90 seconds ago (three steps back): expired.
        assert ready.owner.tenant_id is not None
        old = signer().sign(
            "d", ready.owner.tenant_id, ready.library_id, step_of(datetime.now(UTC)) - 3
        )
        expired = await http.post(f"{ATTENDANCE}/check-in", json={"code": old}, headers=student)
        assert (expired.status_code, expired.json()["code"]) == (410, "code_expired")

        # Another tenant's genuine door code: refused without saying it exists.
        foreign = await _door_code(http, other_owner, elsewhere.library_id)
        refused = await http.post(f"{ATTENDANCE}/check-in", json={"code": foreign}, headers=student)
        assert (refused.status_code, refused.json()["code"]) == (403, "invalid_code")
        assert str(elsewhere.library_id) not in refused.text

        # A body naming another student is not obeyed: refused whole, nobody checked in.
        code = await _door_code(http, owner, ready.library_id)
        named = await http.post(
            f"{ATTENDANCE}/check-in",
            json={"code": code, "student_id": str(ready.students[1])},
            headers=student,
        )
        assert named.status_code == 422, named.text

        first = await http.post(f"{ATTENDANCE}/check-in", json={"code": code}, headers=student)
        assert first.status_code == 201, first.text
        assert first.json()["student_id"] == str(ready.students[0])
        again = await http.post(f"{ATTENDANCE}/check-in", json={"code": code}, headers=student)
        assert (again.status_code, again.json()["code"]) == (409, "code_replayed")

        register = await http.get(
            f"{ATTENDANCE}/libraries/{ready.library_id}/register", headers=owner
        )
        assert register.status_code == 200, register.text
        statuses = {e["student_id"]: e["status"] for e in register.json()["items"]}
        assert statuses == {str(ready.students[0]): statuses[str(ready.students[0])]}
        assert statuses[str(ready.students[0])] in ("present", "late")
        for student_id in ready.students[1:]:
            history = await http.get(f"{ATTENDANCE}/students/{student_id}", headers=owner)
            assert history.json()["items"] == []


async def test_a_display_key_reads_its_librarys_code_and_nothing_else(
    system: System,  # noqa: F811
    apps: Apps,
) -> None:
    ready = await ready_library(apps, students=1, more_branches=True)
    second = await ready_library(apps, students=0, owner=ready.owner, name="Second Branch")
    await _full_day_today(apps, ready, 0)
    async with system.client() as http:
        owner = await _login(http, ready.owner.email, None, "library_owner")
        made = await http.post(
            f"{ATTENDANCE}/display-devices",
            json={"library_id": str(ready.library_id), "name": "Front door"},
            headers=owner,
        )
        assert made.status_code == 201, made.text
        key = made.json()["display_key"]
        display = {"X-Display-Key": key}

        mine = await http.get(
            f"{ATTENDANCE}/libraries/{ready.library_id}/display-code", headers=display
        )
        assert mine.status_code == 200, mine.text
        theirs = await http.get(
            f"{ATTENDANCE}/libraries/{second.library_id}/display-code", headers=display
        )
        assert theirs.status_code == 404

        elsewhere = [
            ("GET", f"{ATTENDANCE}/libraries/{ready.library_id}/register"),
            ("GET", f"{ATTENDANCE}/libraries/{ready.library_id}/summary"),
            ("GET", f"{ATTENDANCE}/libraries/{ready.library_id}/settings"),
            ("GET", f"{ATTENDANCE}/display-devices"),
            ("GET", f"{ATTENDANCE}/my-code"),
            ("GET", f"{ATTENDANCE}/students/{ready.students[0]}"),
            ("GET", f"/api/v1/students/{ready.students[0]}"),
            ("GET", "/api/v1/libraries"),
            ("GET", "/api/v1/bookings"),
            ("GET", "/api/v1/payments/dues"),
        ]
        for method, path in elsewhere:
            for headers in (display, {"Authorization": f"Bearer {key}"}):
                resp = await http.request(method, path, headers=headers)
                assert resp.status_code == 401, (method, path, headers.keys(), resp.text)
        # Nor does it check anyone in or out.
        code = mine.json()["code"]
        for path in ("check-in", "check-out"):
            resp = await http.post(f"{ATTENDANCE}/{path}", json={"code": code}, headers=display)
            assert resp.status_code == 401, resp.text


async def _many_booked(apps: Apps, count: int) -> tuple[ReadyLibrary, list[uuid.UUID]]:
    """A library of `count` seats and `count` students, each on a full-day booking today."""
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    await raise_plan_limits(apps, owner.tenant_id, max_students=count + 10, max_seats=count + 10)
    library_id = uuid.UUID((await create_library(apps, owner, name="Rush Library"))["id"])
    seats = await add_seats(apps, owner, library_id, count)
    ready = ReadyLibrary(owner, library_id, [uuid.UUID(s["id"]) for s in seats], [], {})
    ready.plans["full"] = await add_plan(apps, owner, library_id, name="Full day")
    imported = await apps.client("student").post(
        f"/api/v1/students/import?library_id={library_id}",
        files={"file": ("register.csv", csv_bytes(register_rows(count)), "text/csv")},
        headers=owner.headers,
    )
    assert imported.status_code == 200, imported.text
    students: list[uuid.UUID] = []
    page = 1
    while len(students) < count:
        listed = await apps.client("student").get(
            "/api/v1/students",
            params={"page": page, "page_size": 200, "sort": "enrollment_number"},
            headers=owner.headers,
        )
        students += [uuid.UUID(s["id"]) for s in listed.json()["items"]]
        page += 1
    ready.students = students
    # One booking made as the desk makes it; the other count - 1 are copies of its row
    # with their own id, student and seat. Booking 500 through the API took two minutes
    # of a loaded CI runner, and this test is about scans, not about booking.
    first = await paid(
        apps,
        owner,
        booking_body(
            ready, student=students[0], seat=ready.seats[0], shift=None, plan="full",
            start=today_in_india(),
        ),
    )  # fmt: skip
    labels = {uuid.UUID(s["id"]): s["label"] for s in seats}
    kit = apps.app("booking").state.kit
    db = await kit.tenants.for_tenant(kit.core, owner.tenant_id)
    table = Booking.__table__
    async with unit_of_work(db, tenant_id=owner.tenant_id) as session:
        row = (
            (await session.execute(select(table).where(table.c.id == uuid.UUID(first["id"]))))
            .mappings()
            .one()
        )
        copies = [
            {
                **row,
                "id": uuid.uuid4(),
                "student_id": students[index],
                "seat_id": ready.seats[index],
                "seat_label": labels[ready.seats[index]],
            }
            for index in range(1, count)
        ]
        await session.execute(insert(Booking), copies)
        # From yesterday (no desk may book the past): scans queued in the minutes before
        # midnight in India fall on yesterday's occurrence.
        await session.execute(
            update(Booking)
            .where(Booking.tenant_id == owner.tenant_id)
            .values(start_date=today_in_india() - timedelta(days=1))
        )
    return ready, students


async def test_500_offline_scans_uploaded_twice_make_500_records(
    system: System,  # noqa: F811
    apps: Apps,
) -> None:
    ready, students = await _many_booked(apps, 500)
    assert ready.owner.tenant_id is not None
    now = datetime.now(UTC)
    scans = []
    for n, student_id in enumerate(students):
        # Queued offline over the last minutes: each code signed for the step it was read in.
        at = now - timedelta(minutes=10) + timedelta(seconds=n)
        code = signer().sign("s", ready.owner.tenant_id, student_id, step_of(at))
        scans.append({"code": code, "scanned_at": at.isoformat()})
    body = {"library_id": str(ready.library_id), "scans": scans}
    async with system.client(timeout=120) as http:
        owner = await _login(http, ready.owner.email, None, "library_owner")
        first = await http.post(f"{ATTENDANCE}/scan", json=body, headers=owner)
        assert first.status_code == 200, first.text
        assert (first.json()["checked_in"], first.json()["refused"]) == (500, 0)
        second = await http.post(f"{ATTENDANCE}/scan", json=body, headers=owner)
        assert second.status_code == 200, second.text
        assert (second.json()["checked_in"], second.json()["duplicates"]) == (0, 500)

        export = await http.get(
            f"{ATTENDANCE}/libraries/{ready.library_id}/export",
            params={
                "from": (today_in_india() - timedelta(days=1)).isoformat(),
                "to": today_in_india().isoformat(),
            },
            headers=owner,
        )
        assert export.status_code == 200, export.text
        rows = export.text.strip().splitlines()[1:]
        assert len(rows) == 500
        students_in = {row.split(",")[1] for row in rows}
        assert students_in == {str(s) for s in students}
