"""Broadcasts: quoted before sending, paid for up front (refused whole when credits are short),
consent respected per student, held by quiet hours, failures giving their share back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fixtures.bookings import ReadyLibrary, add_student, ready_library
from tests.fixtures.messages import Clock, dispatcher, grant_credits
from tests.fixtures.students import create_staff
from tests.fixtures.users import register_owner

BROADCASTS = "/api/messages/broadcasts"
SMS_PRICE = 25
# 200 GSM-7 characters: two SMS segments (153 each when split).
TWO_SEGMENTS = "Library closed on Monday for Diwali cleaning. " * 4 + "See you Tuesday!!!!!!!"


async def _students(apps: Apps, ready: ReadyLibrary, count: int) -> list[dict[str, Any]]:
    found = []
    for _ in range(count):
        sid = await add_student(apps, ready.owner, ready.library_id)
        record = await apps.client("student").get(
            f"/api/v1/students/{sid}", headers=ready.owner.headers
        )
        found.append(record.json())
    return found


async def _consent(apps: Apps, ready: ReadyLibrary, student_id: str, purpose: str) -> None:
    resp = await apps.client("message").put(
        f"/api/messages/consents/{student_id}",
        json={"channel": "sms", "purpose": purpose, "granted": True, "notice_version": "v2"},
        headers=ready.owner.headers,
    )
    assert resp.status_code == 200, resp.text


def _body(students: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "student_ids": [s["id"] for s in students],
        "channel": "sms",
        "category": "reminders",
        "title": "Closed on Monday",
        "body": TWO_SEGMENTS,
        **extra,
    }


async def _balance(apps: Apps, ready: ReadyLibrary) -> tuple[int, int]:
    client = apps.client("message")
    balance = (await client.get("/api/messages/credits", headers=ready.owner.headers)).json()
    ledger = await client.get(
        "/api/messages/credits/ledger", params={"page_size": 200}, headers=ready.owner.headers
    )
    return balance["balance_paise"], sum(e["amount_paise"] for e in ledger.json()["items"])


async def test_ten_students_two_segments_each_reserved_and_three_failures_released(
    apps: Apps, msg91: FakeMsg91
) -> None:
    ready = await ready_library(apps, students=0)
    students = await _students(apps, ready, 11)
    for s in students[:10]:
        await _consent(apps, ready, s["id"], "reminders")
    await grant_credits(apps, ready.owner, 1_000)
    client = apps.client("message")
    Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))  # 11:30 in India

    quote = await client.post(
        f"{BROADCASTS}/quote", json=_body(students), headers=ready.owner.headers
    )
    assert quote.status_code == 200, quote.text
    assert quote.json() == {
        "chosen": 11,
        "reachable": 10,
        "skipped": {"no_consent": 1},
        "cost_paise": 10 * 2 * SMS_PRICE,
        "balance_paise": 1_000,
        "affordable": True,
    }
    for s in students[:3]:
        msg91.refused.add(s["phone"].lstrip("+"))
    sent = await client.post(BROADCASTS, json=_body(students), headers=ready.owner.headers)
    assert sent.status_code == 201, sent.text
    assert sent.json()["cost_paise"] == 500 and sent.json()["recipients"] == 10
    assert await _balance(apps, ready) == (500, 500)  # all of it reserved up front

    await dispatcher(apps).run_once()
    assert len(msg91.sent) == 7
    assert await _balance(apps, ready) == (650, 650)  # the 3 refused gave their 150 back
    report = await client.get(f"{BROADCASTS}/{sent.json()['id']}", headers=ready.owner.headers)
    assert report.json()["report"] == {"sent": 7, "failed": 3}


async def test_a_broadcast_larger_than_the_balance_is_refused_before_anything_is_sent(
    apps: Apps, msg91: FakeMsg91
) -> None:
    ready = await ready_library(apps, students=0)
    students = await _students(apps, ready, 3)
    for s in students:
        await _consent(apps, ready, s["id"], "reminders")
    await grant_credits(apps, ready.owner, 149)  # 3 x 2 segments x 25 = 150
    client = apps.client("message")
    quote = await client.post(
        f"{BROADCASTS}/quote", json=_body(students), headers=ready.owner.headers
    )
    assert quote.json()["affordable"] is False
    refused = await client.post(BROADCASTS, json=_body(students), headers=ready.owner.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "insufficient_credits"
    await dispatcher(apps).run_once()
    assert msg91.sent == []
    assert await _balance(apps, ready) == (149, 149)
    log = await client.get("/api/messages/deliveries", headers=ready.owner.headers)
    assert log.json()["total"] == 0


async def test_a_promotional_broadcast_at_ten_at_night_goes_out_at_nine(
    apps: Apps, msg91: FakeMsg91
) -> None:
    ready = await ready_library(apps, students=0)
    [student] = await _students(apps, ready, 1)
    await _consent(apps, ready, student["id"], "promotional")
    await grant_credits(apps, ready.owner, 1_000)
    clock = Clock(apps, datetime(2030, 1, 5, 16, 30, tzinfo=UTC))  # 22:00 IST
    body = _body([student], category="promotional", body="Diwali offer: 10% off")
    sent = await apps.client("message").post(BROADCASTS, json=body, headers=ready.owner.headers)
    assert sent.status_code == 201, sent.text
    await dispatcher(apps).run_once()
    clock.now = datetime(2030, 1, 6, 3, 29, tzinfo=UTC)  # 08:59 IST
    await dispatcher(apps).run_once()
    assert msg91.sent == []
    clock.now = datetime(2030, 1, 6, 3, 30, tzinfo=UTC)  # 09:00 IST
    await dispatcher(apps).run_once()
    [sms] = msg91.sent
    assert sms["recipients"][0]["mobiles"] == student["phone"].lstrip("+")


async def test_broadcasts_are_for_managers_and_owners_of_their_own_tenant(
    apps: Apps, msg91: FakeMsg91
) -> None:
    ready = await ready_library(apps, students=0)
    students = await _students(apps, ready, 1)
    staff = await create_staff(apps, ready.owner, [ready.library_id])
    client = apps.client("message")
    refused = await client.post(f"{BROADCASTS}/quote", json=_body(students), headers=staff.headers)
    assert refused.status_code == 403
    sent = await client.post(BROADCASTS, json=_body(students), headers=ready.owner.headers)
    assert sent.status_code == 201  # nobody consented: nothing to pay, nothing queued
    assert sent.json()["recipients"] == 0
    other = await register_owner(apps)
    theirs = await client.get(f"{BROADCASTS}/{sent.json()['id']}", headers=other.headers)
    assert theirs.status_code == 404 and theirs.json()["code"] == "broadcast_not_found"
    assert (
        await client.get(f"{BROADCASTS}/{uuid.uuid4()}", headers=ready.owner.headers)
    ).status_code == 404
    too_many = _body(students, student_ids=[str(uuid.uuid4()) for _ in range(501)])
    assert (
        await client.post(BROADCASTS, json=too_many, headers=ready.owner.headers)
    ).status_code == 422
