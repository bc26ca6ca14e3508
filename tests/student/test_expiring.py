"""Plans running out: `?expiring_within_days=N` and analytics' `expiring_this_week` follow the
booking service's answer for real bookings, and say unavailable when it cannot answer."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from studyspot.services.booking.client import BookingClient
from tests.conftest import Apps
from tests.fixtures.bookings import (
    Clock,
    ReadyLibrary,
    booked,
    booking_body,
    booking_unreachable,
    local_moment,
    paid,
    ready_library,
    tomorrow,
)

STUDENTS = "/api/v1/students"


async def _expiring(apps: Apps, ready: ReadyLibrary, days: int, **params: str) -> list[uuid.UUID]:
    resp = await apps.client("student").get(
        STUDENTS,
        params={"expiring_within_days": str(days), **params},
        headers=ready.owner.headers,
    )
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert page["total"] == len(page["items"])
    return sorted(uuid.UUID(item["id"]) for item in page["items"])


async def _analytics(apps: Apps, ready: ReadyLibrary) -> dict[str, Any]:
    resp = await apps.client("student").get(f"{STUDENTS}/analytics", headers=ready.owner.headers)
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()
    return found


async def test_students_whose_plan_ends_soon_are_listed_unless_they_renewed(apps: Apps) -> None:
    ready = await ready_library(apps, seats=4, students=4)
    ending, renewing, unpaid, later = ready.students
    a1, a2, a3, a4 = ready.seats
    start = tomorrow()
    first = await paid(apps, ready.owner, booking_body(ready, student=ending, seat=a1, start=start))
    second = await paid(
        apps, ready.owner, booking_body(ready, student=renewing, seat=a2, start=start)
    )
    await booked(apps, ready.owner, booking_body(ready, student=unpaid, seat=a3, start=start))
    await paid(
        apps,
        ready.owner,
        booking_body(ready, student=later, seat=a4, start=start + timedelta(days=10)),
    )
    # Another business's student, ending on the same day, is never theirs to see.
    theirs = await ready_library(apps, seats=1, students=1, name="Elsewhere")
    await paid(apps, theirs.owner, booking_body(theirs, start=start))

    end = date.fromisoformat(first["end_date"])
    assert second["end_date"] == first["end_date"]
    clock = Clock(apps)
    clock.now = local_moment(end - timedelta(days=3), "10:00")
    renewal = await apps.client("booking").post(
        f"/api/v1/bookings/{second['id']}/renew", headers=ready.owner.headers
    )
    assert renewal.status_code == 201, renewal.text

    # Ends in 3 days: inside 3 (today .. today + 3) and 7, not inside 2. The renewed student,
    # the unpaid hold and the plan ending 10 days later are not expiring.
    assert await _expiring(apps, ready, 7) == [ending]
    assert await _expiring(apps, ready, 3) == [ending]
    assert await _expiring(apps, ready, 2) == []
    assert await _expiring(apps, ready, 20) == sorted([ending, later])
    # The filter composes with the others.
    assert await _expiring(apps, ready, 7, status="inactive") == []
    assert await _expiring(apps, ready, 7, library_id=str(ready.library_id)) == [ending]
    analytics = await _analytics(apps, ready)
    assert analytics["expiring_this_week"] == 1
    assert analytics["sources"]["bookings"] == "available"
    assert analytics["sources"]["payments"] == "available"

    # A renewal never paid lapses with its hold: that student is expiring again.
    clock.advance(minutes=16)
    assert await _expiring(apps, ready, 7) == sorted([ending, renewing])
    assert (await _analytics(apps, ready))["expiring_this_week"] == 2

    client = BookingClient(apps.dbs.settings(), caller="student")
    try:
        answer = await client.expiring_students(ready.tenant_id, 7)
        assert (answer.total, sorted(answer.student_ids)) == (2, sorted([ending, renewing]))
        other = await client.expiring_students(ready.tenant_id, 7, library_id=theirs.library_id)
        assert other.student_ids == []
    finally:
        await client.close()


async def test_expiry_says_unavailable_when_the_booking_service_cannot_answer(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready = await ready_library(apps, seats=1, students=1)
    upstream = apps.app("student").state.student_upstream
    async with booking_unreachable(apps, monkeypatch, upstream, "student"):
        resp = await apps.client("student").get(
            STUDENTS, params={"expiring_within_days": "7"}, headers=ready.owner.headers
        )
        assert resp.status_code == 503
        assert resp.json()["code"] == "source_unavailable"
        analytics = await _analytics(apps, ready)
        assert analytics["expiring_this_week"] is None
        assert analytics["sources"]["bookings"] == "unavailable"
        assert analytics["total"] == 1
        # Lists without the filter do not need the booking service.
        plain = await apps.client("student").get(STUDENTS, headers=ready.owner.headers)
        assert plain.status_code == 200 and plain.json()["total"] == 1
