"""`POST/GET /api/v1/bookings`: prices from the plan, the rules of a sale, who sees what."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from studyspot.kit.models import audit_logs
from studyspot.services.booking.periods import end_date
from tests.conftest import Apps
from tests.fixtures.bookings import (
    add_plan,
    add_seats,
    add_student,
    book,
    booked,
    booking_body,
    booking_events,
    ready_library,
    set_seat_status,
    student_login,
    today_in_india,
    tomorrow,
)
from tests.fixtures.library import hire_staff


async def test_owner_books_a_seat_priced_by_the_plan_and_held_for_payment(apps: Apps) -> None:
    ready = await ready_library(apps)
    before = datetime.now(UTC)
    body = await booked(apps, ready.owner, booking_body(ready))

    assert body["status"] == "pending_payment"
    assert body["seat_label"] == "A1"
    assert (body["window_start"], body["window_end"]) == ("06:00", "12:00")
    start = tomorrow()
    assert body["start_date"] == start.isoformat()
    # One calendar month (the rule is pinned day by day in test_rules.py).
    assert body["end_date"] == end_date(start, "month", 1).isoformat()
    # ₹1,500 + ₹500 registration incl. 18 % GST, one rounding; ₹1,000 deposit untaxed.
    assert body["price_paise"] == 150_000
    assert body["registration_fee_paise"] == 50_000
    assert body["security_deposit_paise"] == 100_000
    assert (body["taxable_paise"], body["gst_paise"]) == (169_492, 30_508)
    assert body["total_paise"] == 300_000
    assert body["currency"] == "INR"
    expires = datetime.fromisoformat(body["hold_expires_at"])
    assert timedelta(minutes=14) < expires - before < timedelta(minutes=16)

    created = await booking_events(apps, "booking.created")
    assert [e["booking_id"] for e in created] == [body["id"]]
    db = apps.app("booking").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        actions = [
            r[0]
            for r in await conn.execute(
                audit_logs.select()
                .with_only_columns(audit_logs.c.action)
                .where(audit_logs.c.resource_id == body["id"])
            )
        ]
    assert actions == ["booking.created"]


async def test_price_fields_in_the_body_are_refused_and_nothing_is_booked(apps: Apps) -> None:
    ready = await ready_library(apps)
    tampered: list[tuple[str, Any]] = [
        ("total_paise", 1),
        ("price_paise", 100),
        ("status", "confirmed"),
    ]
    for field, value in tampered:
        resp = await book(apps, ready.owner, {**booking_body(ready), field: value})
        assert resp.status_code == 422, resp.text
        assert resp.json()["code"] == "validation_error"
        assert {"field": f"body.{field}", "message": "Unknown field"} in resp.json()["errors"]
    listed = await apps.client("booking").get("/api/v1/bookings", headers=ready.owner.headers)
    assert listed.json()["total"] == 0


async def test_a_students_second_paid_booking_has_no_registration_fee_or_deposit(
    apps: Apps,
) -> None:
    ready = await ready_library(apps)
    first = await booked(apps, ready.owner, booking_body(ready))
    resp = await apps.client("booking").post(
        f"/api/v1/bookings/{first['id']}/confirm", headers=ready.owner.headers
    )
    assert resp.status_code == 200, resp.text
    second = await booked(apps, ready.owner, booking_body(ready, shift="afternoon"))
    assert second["registration_fee_paise"] == 0
    assert second["security_deposit_paise"] == 0
    assert (second["taxable_paise"], second["gst_paise"], second["total_paise"]) == (
        127_119,
        22_881,
        150_000,
    )


async def test_seat_under_maintenance_is_refused(apps: Apps) -> None:
    ready = await ready_library(apps)
    await set_seat_status(apps, ready.owner, ready.library_id, ready.seats[0], "maintenance")
    resp = await book(apps, ready.owner, booking_body(ready))
    assert resp.status_code == 422
    assert resp.json()["code"] == "seat_under_maintenance"


async def test_inactive_plan_is_refused(apps: Apps) -> None:
    ready = await ready_library(apps)
    resp = await apps.client("library").patch(
        f"/api/fee-plans/{ready.plans['shifts']['id']}",
        json={"is_active": False},
        headers=ready.owner.headers,
    )
    assert resp.status_code == 200, resp.text
    resp = await book(apps, ready.owner, booking_body(ready))
    assert resp.status_code == 422
    assert resp.json()["code"] == "fee_plan_inactive"


async def test_suspended_student_is_refused(apps: Apps) -> None:
    ready = await ready_library(apps)
    resp = await apps.client("student").patch(
        f"/api/v1/students/{ready.students[0]}",
        json={"status": "suspended"},
        headers=ready.owner.headers,
    )
    assert resp.status_code == 200, resp.text
    resp = await book(apps, ready.owner, booking_body(ready))
    assert resp.status_code == 422
    assert resp.json()["code"] == "student_suspended"


async def test_shift_the_plan_does_not_cover_is_refused(apps: Apps) -> None:
    ready = await ready_library(apps)
    ready.plans["mornings"] = await add_plan(
        apps, ready.owner, ready.library_id, shift_ids=[ready.shifts["morning"]]
    )
    resp = await book(apps, ready.owner, booking_body(ready, plan="mornings", shift="afternoon"))
    assert resp.status_code == 422
    assert resp.json()["code"] == "shift_not_covered"


async def test_start_date_in_the_past_is_refused(apps: Apps) -> None:
    ready = await ready_library(apps)
    yesterday = today_in_india() - timedelta(days=1)
    resp = await book(apps, ready.owner, booking_body(ready, start=yesterday))
    assert resp.status_code == 422
    assert resp.json()["code"] == "start_date_in_past"


async def test_owner_cannot_book_or_see_another_tenants_library_and_bookings(apps: Apps) -> None:
    mine = await ready_library(apps)
    theirs = await ready_library(apps, name="Other Business Branch")
    their_booking = await booked(apps, theirs.owner, booking_body(theirs))

    resp = await book(apps, mine.owner, booking_body(theirs, student=mine.students[0]))
    assert resp.status_code == 404
    assert resp.json()["code"] == "library_not_found"
    resp = await apps.client("booking").get(
        f"/api/v1/bookings/{their_booking['id']}", headers=mine.owner.headers
    )
    assert resp.status_code == 404
    resp = await apps.client("booking").post(
        f"/api/v1/bookings/{their_booking['id']}/cancel",
        json={"reason": "not mine"},
        headers=mine.owner.headers,
    )
    assert resp.status_code == 404
    listed = await apps.client("booking").get("/api/v1/bookings", headers=mine.owner.headers)
    assert listed.json()["total"] == 0


async def test_staff_cannot_see_or_book_at_a_branch_they_do_not_work_at(apps: Apps) -> None:
    branch_a = await ready_library(apps, name="Branch A", more_branches=True)
    branch_b = await ready_library(apps, owner=branch_a.owner, name="Branch B", students=1)
    at_a = await booked(apps, branch_a.owner, booking_body(branch_a))
    _, staff_b = await hire_staff(apps, branch_a.owner, [branch_b.library_id])

    resp = await apps.client("booking").get(
        f"/api/v1/bookings/{at_a['id']}", headers=staff_b.headers
    )
    assert resp.status_code == 404
    resp = await book(
        apps, staff_b, booking_body(branch_a, student=branch_b.students[0], seat=branch_a.seats[1])
    )
    assert resp.status_code == 404
    # A student of branch A is not one of branch B's desk's students either.
    resp = await book(apps, staff_b, booking_body(branch_b, student=branch_a.students[0]))
    assert resp.status_code == 404
    assert resp.json()["code"] == "student_not_found"

    at_b = await booked(apps, staff_b, booking_body(branch_b))
    listed = await apps.client("booking").get("/api/v1/bookings", headers=staff_b.headers)
    assert [b["id"] for b in listed.json()["items"]] == [at_b["id"]]


async def test_student_books_only_for_itself_and_sees_only_its_own(apps: Apps) -> None:
    ready = await ready_library(apps)
    me, other = ready.students
    student = await student_login(apps, ready, me)
    others = await booked(apps, ready.owner, booking_body(ready, student=other))

    body = booking_body(ready, seat=ready.seats[1])
    del body["student_id"]
    mine = await booked(apps, student, body)
    assert mine["student_id"] == str(me)

    resp = await book(
        apps, student, booking_body(ready, student=other, seat=ready.seats[2], shift="night")
    )
    assert resp.status_code == 403
    resp = await apps.client("booking").get(
        f"/api/v1/bookings/{others['id']}", headers=student.headers
    )
    assert resp.status_code == 404
    listed = await apps.client("booking").get("/api/v1/bookings", headers=student.headers)
    assert [b["id"] for b in listed.json()["items"]] == [mine["id"]]


async def test_student_cannot_hold_two_overlapping_bookings_unless_the_plan_allows(
    apps: Apps,
) -> None:
    ready = await ready_library(apps)
    await booked(apps, ready.owner, booking_body(ready))
    resp = await book(apps, ready.owner, booking_body(ready, seat=ready.seats[1], shift="early"))
    assert resp.status_code == 409
    assert resp.json()["code"] == "overlapping_booking"

    ready.plans["overlap"] = await add_plan(
        apps,
        ready.owner,
        ready.library_id,
        shift_ids=[ready.shifts["early"]],
        allow_overlapping_bookings=True,
    )
    await booked(
        apps, ready.owner, booking_body(ready, seat=ready.seats[1], shift="early", plan="overlap")
    )


async def test_full_day_booking_blocks_every_shift_of_its_seat(apps: Apps) -> None:
    ready = await ready_library(apps)
    await booked(apps, ready.owner, booking_body(ready, plan="full", shift=None))
    for shift in ("morning", "night"):
        resp = await book(
            apps, ready.owner, booking_body(ready, student=ready.students[1], shift=shift)
        )
        assert resp.status_code == 409
        assert resp.json()["code"] == "seat_unavailable"


async def test_floating_places_are_limited_by_the_librarys_usable_seats(apps: Apps) -> None:
    ready = await ready_library(apps, seats=2, students=3)
    floating = await add_plan(
        apps,
        ready.owner,
        ready.library_id,
        shift_ids=[ready.shifts["morning"]],
        seat_assignment="floating",
    )
    ready.plans["floating"] = floating
    first = booking_body(ready, plan="floating")
    del first["seat_id"]
    await booked(apps, ready.owner, first)
    # One seat left: a reserved booking takes it, then no floating place remains.
    await booked(
        apps, ready.owner, booking_body(ready, student=ready.students[1], seat=ready.seats[1])
    )
    third = {**first, "student_id": str(ready.students[2])}
    resp = await book(apps, ready.owner, third)
    assert resp.status_code == 409
    assert resp.json()["code"] == "seat_unavailable"
    # And with the floating student placed, seat A1 cannot be sold for the morning either.
    resp = await book(apps, ready.owner, booking_body(ready, student=ready.students[2]))
    assert resp.status_code == 409
    # The afternoon is another matter.
    await booked(
        apps, ready.owner, booking_body(ready, student=ready.students[2], shift="afternoon")
    )


async def test_hourly_plan_sells_a_slot_inside_a_covered_shift(apps: Apps) -> None:
    ready = await ready_library(apps)
    ready.plans["hourly"] = await add_plan(
        apps,
        ready.owner,
        ready.library_id,
        duration_unit="hour",
        duration_value=2,
        shift_ids=[ready.shifts["night"]],
        price_paise=5_000,
    )
    slot = await booked(
        apps, ready.owner, booking_body(ready, plan="hourly", shift="night", slot_start="23:00")
    )
    assert (slot["window_start"], slot["window_end"], slot["crosses_midnight"]) == (
        "23:00",
        "01:00",
        True,
    )
    assert slot["start_date"] == slot["end_date"]
    resp = await book(
        apps,
        ready.owner,
        booking_body(ready, plan="hourly", shift="night", slot_start="05:00", seat=ready.seats[1]),
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "slot_outside_shift"


async def test_list_filters_by_status_seat_and_period(apps: Apps) -> None:
    ready = await ready_library(apps, seats=3)
    a = await booked(apps, ready.owner, booking_body(ready))
    later = tomorrow() + timedelta(days=60)
    b = await booked(
        apps,
        ready.owner,
        booking_body(ready, student=ready.students[1], seat=ready.seats[1], start=later),
    )
    await apps.client("booking").post(
        f"/api/v1/bookings/{a['id']}/confirm", headers=ready.owner.headers
    )
    client = apps.client("booking")

    async def ids(**params: str) -> list[str]:
        resp = await client.get("/api/v1/bookings", params=params, headers=ready.owner.headers)
        assert resp.status_code == 200, resp.text
        return [x["id"] for x in resp.json()["items"]]

    assert await ids(status="confirmed") == [a["id"]]
    assert await ids(status="pending_payment") == [b["id"]]
    assert await ids(seat_id=str(ready.seats[1])) == [b["id"]]
    assert await ids(from_date=(later - timedelta(days=1)).isoformat()) == [b["id"]]
    assert await ids(sort="start_date") == [a["id"], b["id"]]
    resp = await client.get(
        "/api/v1/bookings", params={"sort": "student_id"}, headers=ready.owner.headers
    )
    assert resp.status_code == 422


async def test_unknown_seat_shift_and_plan_are_not_found(apps: Apps) -> None:
    ready = await ready_library(apps)
    other_seats = await add_seats(apps, ready.owner, ready.library_id, 1, prefix="Z")
    assert other_seats
    for field, code in [
        ("seat_id", "seat_not_found"),
        ("shift_id", "shift_not_found"),
        ("fee_plan_id", "fee_plan_not_found"),
    ]:
        resp = await book(apps, ready.owner, {**booking_body(ready), field: str(uuid.uuid4())})
        assert resp.status_code == 404, resp.text
        assert resp.json()["code"] == code


async def test_desk_staff_books_for_a_new_student_of_their_branch(apps: Apps) -> None:
    ready = await ready_library(apps, students=0)
    _, staff = await hire_staff(apps, ready.owner, [ready.library_id])
    student = await add_student(apps, staff, ready.library_id)
    body = await booked(apps, staff, booking_body(ready, student=student))
    assert body["student_id"] == str(student)
