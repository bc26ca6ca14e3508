"""Money in the register: `?with_dues=`, analytics' `with_dues` and a student's payment
history follow the payment service's answer for real bookings and desk payments, and say
unavailable when it cannot answer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import Apps
from tests.fixtures.bookings import (
    ReadyLibrary,
    booked,
    booking_body,
    ready_library,
    student_login,
)
from tests.fixtures.payments import created
from tests.fixtures.students import create_staff
from tests.fixtures.unreachable import service_unreachable
from tests.fixtures.users import LoggedIn, register_owner

STUDENTS = "/api/v1/students"
# The `shifts` plan of ready_library: ₹1,500 incl. GST + ₹500 registration + ₹1,000 deposit.
BOOKING_TOTAL = 300_000


async def _listed(apps: Apps, who: LoggedIn, **params: str) -> list[uuid.UUID]:
    resp = await apps.client("student").get(STUDENTS, params=params, headers=who.headers)
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert page["total"] == len(page["items"])
    return sorted(uuid.UUID(item["id"]) for item in page["items"])


async def _analytics(apps: Apps, who: LoggedIn, **params: str) -> dict[str, Any]:
    resp = await apps.client("student").get(
        f"{STUDENTS}/analytics", params=params, headers=who.headers
    )
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()
    return found


async def _booking(apps: Apps, ready: ReadyLibrary, student: uuid.UUID, seat: int) -> uuid.UUID:
    body = booking_body(ready, student=student, seat=ready.seats[seat])
    return uuid.UUID((await booked(apps, ready.owner, body))["id"])


async def _payments(apps: Apps, who: LoggedIn, student: uuid.UUID, **params: str) -> Any:
    return await apps.client("student").get(
        f"{STUDENTS}/{student}/payments", params=params, headers=who.headers
    )


async def test_students_with_dues_are_those_still_owing_on_a_booking(apps: Apps) -> None:
    ready = await ready_library(apps, seats=3, students=3)
    owing, settled, no_booking = ready.students
    part = await _booking(apps, ready, owing, 0)
    await created(apps, ready.owner, part, "cash", amount_paise=100_000)
    full = await _booking(apps, ready, settled, 1)
    await created(apps, ready.owner, full, "cash")
    # Another business's student owes money too: never theirs to see or count.
    theirs = await ready_library(apps, seats=1, students=1, name="Elsewhere")
    await created(
        apps,
        theirs.owner,
        await _booking(apps, theirs, theirs.students[0], 0),
        "cash",
        amount_paise=1,
    )

    owner = ready.owner
    assert await _listed(apps, owner, with_dues="true") == [owing]
    assert await _listed(apps, owner, with_dues="false") == sorted([settled, no_booking])
    # The filter composes with the others.
    assert await _listed(apps, owner, with_dues="true", status="inactive") == []
    assert await _listed(apps, owner, with_dues="true", library_id=str(ready.library_id)) == [owing]
    assert await _listed(apps, owner, with_dues="false", status="active") == sorted(
        [settled, no_booking]
    )
    analytics = await _analytics(apps, owner)
    assert analytics["with_dues"] == 1
    assert analytics["sources"]["payments"] == "available"
    assert analytics["total"] == 3

    # The rest paid at the desk: nobody owes anything any more.
    await created(apps, owner, part, "card", reference="SLIP-0042")
    assert await _listed(apps, owner, with_dues="true") == []
    assert await _listed(apps, owner, with_dues="false") == sorted(ready.students)
    assert (await _analytics(apps, owner))["with_dues"] == 0


async def test_dues_are_counted_only_in_the_branches_a_viewer_sees(apps: Apps) -> None:
    ready = await ready_library(apps, seats=1, students=1, more_branches=True)
    other = await ready_library(apps, owner=ready.owner, seats=1, students=1, name="Baner")
    await created(
        apps,
        ready.owner,
        await _booking(apps, ready, ready.students[0], 0),
        "cash",
        amount_paise=100_000,
    )
    await created(
        apps,
        ready.owner,
        await _booking(apps, other, other.students[0], 0),
        "cash",
        amount_paise=100_000,
    )
    staff_b = await create_staff(apps, ready.owner, [other.library_id])

    assert (await _analytics(apps, ready.owner))["with_dues"] == 2
    branch_a = await _analytics(apps, ready.owner, library_id=str(ready.library_id))
    assert branch_a["with_dues"] == 1
    assert (await _analytics(apps, staff_b))["with_dues"] == 1
    assert await _listed(apps, staff_b, with_dues="true") == [other.students[0]]


async def test_a_students_payments_are_listed_newest_first_to_whoever_may_see_the_student(
    apps: Apps,
) -> None:
    ready = await ready_library(apps, seats=2, students=2, more_branches=True)
    payer, other_student = ready.students
    booking = await _booking(apps, ready, payer, 0)
    first = await created(apps, ready.owner, booking, "cash", amount_paise=100_000)
    second = await created(
        apps, ready.owner, booking, "card", amount_paise=50_000, reference="SLIP-0007"
    )

    resp = await _payments(apps, ready.owner, payer)
    assert resp.status_code == 200, resp.text
    page = resp.json()
    assert (page["total"], page["page"], page["page_size"]) == (2, 1, 50)
    assert [p["id"] for p in page["items"]] == [second["id"], first["id"]]
    newest = page["items"][0]
    assert (newest["method"], newest["status"], newest["amount_paise"]) == (
        "card",
        "captured",
        50_000,
    )
    assert newest["booking_id"] == str(booking)
    assert newest["library_id"] == str(ready.library_id)
    assert (newest["refunded_paise"], newest["currency"]) == (0, "INR")
    assert newest["invoice_number"] == second["invoice_number"] is not None
    assert sum(p["amount_paise"] for p in page["items"]) == 150_000

    one = (await _payments(apps, ready.owner, payer, page="2", page_size="1")).json()
    assert (one["total"], [p["id"] for p in one["items"]]) == (2, [first["id"]])
    nothing = (await _payments(apps, ready.owner, other_student)).json()
    assert (nothing["items"], nothing["total"]) == ([], 0)
    too_big = await _payments(apps, ready.owner, payer, page_size="201")
    assert too_big.status_code == 422

    # A student reads its own history, and nobody else's.
    me = await student_login(apps, ready, payer)
    mine = await _payments(apps, me, payer)
    assert mine.status_code == 200, mine.text
    assert mine.json()["total"] == 2
    assert (await _payments(apps, me, other_student)).status_code == 404

    # Staff of the branch see it; staff of another branch and another business do not.
    other = await ready_library(apps, owner=ready.owner, seats=0, students=0, name="Baner")
    staff_a = await create_staff(apps, ready.owner, [ready.library_id])
    staff_b = await create_staff(apps, ready.owner, [other.library_id])
    assert (await _payments(apps, staff_a, payer)).json()["total"] == 2
    intruder = await register_owner(apps)
    for outsider in (staff_b, intruder):
        refused = await _payments(apps, outsider, payer)
        assert refused.status_code == 404, refused.text
        assert refused.json()["code"] == "student_not_found"


async def test_money_says_unavailable_when_the_payment_service_cannot_answer(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready = await ready_library(apps, seats=1, students=1)
    student = ready.students[0]
    upstream = apps.app("student").state.student_upstream
    async with service_unreachable(apps, monkeypatch, upstream, "payment", "student"):
        for flag in ("true", "false"):
            resp = await apps.client("student").get(
                STUDENTS, params={"with_dues": flag}, headers=ready.owner.headers
            )
            assert resp.status_code == 503, resp.text
            assert resp.json()["code"] == "source_unavailable"
        history = await _payments(apps, ready.owner, student)
        assert history.status_code == 503
        assert history.json()["code"] == "source_unavailable"
        analytics = await _analytics(apps, ready.owner)
        assert analytics["with_dues"] is None
        assert analytics["sources"] == {
            "students": "available",
            "bookings": "available",
            "payments": "unavailable",
        }
        assert (analytics["total"], analytics["expiring_this_week"]) == (1, 0)
        # Lists without the filter do not need the payment service.
        assert await _listed(apps, ready.owner) == [student]
