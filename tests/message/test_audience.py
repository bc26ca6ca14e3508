"""A broadcast's audience chosen by library, shift, booking status and dues, from the
services that own them; previewed by the quote; limited before any work; paid for in one
conditional UPDATE before any delivery exists."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fixtures.bookings import (
    ReadyLibrary,
    booked,
    booking_body,
    ready_library,
    today_in_india,
)
from tests.fixtures.messages import grant_credits, run_consumers
from tests.fixtures.payments import created
from tests.fixtures.students import create_staff
from tests.fixtures.users import LoggedIn

BROADCASTS = "/api/messages/broadcasts"


def _body(audience: dict[str, Any], channel: str = "email") -> dict[str, Any]:
    return {
        "audience": audience,
        "channel": channel,
        "category": "reminders",
        "title": "Closed on Monday",
        "body": "The library is closed on Monday.",
    }


async def _quote(apps: Apps, who: LoggedIn, audience: dict[str, Any], **kw: Any) -> Any:
    return await apps.client("message").post(
        f"{BROADCASTS}/quote", json=_body(audience, **kw), headers=who.headers
    )


async def _chosen(apps: Apps, who: LoggedIn, audience: dict[str, Any]) -> int:
    resp = await _quote(apps, who, audience)
    assert resp.status_code == 200, resp.text
    chosen: int = resp.json()["chosen"]
    return chosen


async def _consent(apps: Apps, ready: ReadyLibrary, student_id: uuid.UUID, channel: str) -> None:
    resp = await apps.client("message").put(
        f"/api/messages/consents/{student_id}",
        json={"channel": channel, "purpose": "reminders", "granted": True, "notice_version": "v2"},
        headers=ready.owner.headers,
    )
    assert resp.status_code == 200, resp.text


async def _world(apps: Apps) -> tuple[ReadyLibrary, ReadyLibrary]:
    """Branch A: s0 booked from today in the morning shift and paid, s1 holding an unpaid
    booking from in three days (a due), s2 nothing. Branch B: one student, nothing."""
    a = await ready_library(apps, students=3, more_branches=True)
    b = await ready_library(apps, students=1, owner=a.owner, name="Branch B")
    s0, s1, _ = a.students
    today = today_in_india()
    paid = await booked(apps, a.owner, booking_body(a, student=s0, start=today))
    await created(apps, a.owner, uuid.UUID(paid["id"]), "cash")
    await booked(
        apps,
        a.owner,
        booking_body(a, student=s1, seat=a.seats[1], start=today + timedelta(days=3)),
    )
    await run_consumers(apps)  # confirm the paid booking; open both dues
    return a, b


async def test_the_audience_is_chosen_by_library_shift_booking_status_and_dues(
    apps: Apps,
) -> None:
    a, b = await _world(apps)
    owner = a.owner
    lib_a, lib_b = str(a.library_id), str(b.library_id)
    assert await _chosen(apps, owner, {}) == 4
    assert await _chosen(apps, owner, {"library_id": lib_a}) == 3
    assert await _chosen(apps, owner, {"library_id": lib_b}) == 1
    assert await _chosen(apps, owner, {"booking": "active"}) == 1
    assert await _chosen(apps, owner, {"shift_id": str(a.shifts["morning"])}) == 1
    assert await _chosen(apps, owner, {"shift_id": str(a.shifts["afternoon"])}) == 0
    expiring = {"booking": "expiring", "expiring_within_days": 40}
    assert await _chosen(apps, owner, expiring) == 1
    assert await _chosen(apps, owner, {**expiring, "expiring_within_days": 3}) == 0
    assert await _chosen(apps, owner, {"with_dues": True}) == 1
    assert await _chosen(apps, owner, {"with_dues": True, "library_id": lib_b}) == 0
    # Choices narrow each other: the one with dues holds no place today.
    assert await _chosen(apps, owner, {"with_dues": True, "booking": "active"}) == 0

    # A manager of branch B chooses among its own branch only.
    manager = await create_staff(apps, owner, [b.library_id], role="manager")
    assert await _chosen(apps, manager, {}) == 1
    assert await _chosen(apps, manager, {"booking": "active"}) == 0
    refused = await _quote(apps, manager, {"library_id": lib_a})
    assert refused.status_code == 404 and refused.json()["code"] == "library_not_found"


async def test_an_audience_is_limited_and_validated_before_any_work(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = await _world(apps)
    client = apps.client("message")
    monkeypatch.setattr("studyspot.services.message.audience.MAX_AUDIENCE", 2)
    for audience in ({"library_id": str(a.library_id)}, {}):
        for path in (f"{BROADCASTS}/quote", BROADCASTS):
            resp = await client.post(path, json=_body(audience), headers=a.owner.headers)
            assert resp.status_code == 422 and resp.json()["code"] == "audience_too_large"
    log = await client.get("/api/messages/deliveries", headers=a.owner.headers)
    assert log.json()["total"] == 0

    both = {**_body({}), "student_ids": [str(a.students[0])]}
    neither = {k: v for k, v in _body({}).items() if k != "audience"}
    no_days = _body({"booking": "expiring"})
    days_alone = _body({"expiring_within_days": 3})
    too_far = _body({"booking": "expiring", "expiring_within_days": 91})
    for body in (both, neither, no_days, days_alone, too_far):
        resp = await client.post(f"{BROADCASTS}/quote", json=body, headers=a.owner.headers)
        assert resp.status_code == 422 and resp.json()["code"] == "validation_error", body


async def test_a_broadcast_to_an_audience_is_quoted_then_paid_for_whole_or_not_at_all(
    apps: Apps, msg91: FakeMsg91
) -> None:
    a, _ = await _world(apps)
    for student in a.students[:2]:
        await _consent(apps, a, student, "sms")
    client = apps.client("message")
    audience = {"library_id": str(a.library_id)}
    await grant_credits(apps, a.owner, 49)  # two one-segment SMS cost 50
    quote = await _quote(apps, a.owner, audience, channel="sms")
    assert quote.json() == {
        "chosen": 3,
        "reachable": 2,
        "skipped": {"no_consent": 1},
        "cost_paise": 50,
        "balance_paise": 49,
        "affordable": False,
    }
    refused = await client.post(BROADCASTS, json=_body(audience, "sms"), headers=a.owner.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "insufficient_credits"
    assert (await client.get("/api/messages/deliveries", headers=a.owner.headers)).json()[
        "total"
    ] == 0

    await grant_credits(apps, a.owner, 1)
    sent = await client.post(BROADCASTS, json=_body(audience, "sms"), headers=a.owner.headers)
    assert sent.status_code == 201, sent.text
    assert sent.json()["recipients"] == 2 and sent.json()["cost_paise"] == 50
    balance = await client.get("/api/messages/credits", headers=a.owner.headers)
    assert balance.json()["balance_paise"] == 0
    log = await client.get(
        "/api/messages/deliveries", params={"kind": "notice"}, headers=a.owner.headers
    )
    assert sorted(d["recipient_user_id"] for d in log.json()["items"]) == sorted(
        str(s) for s in a.students[:2]
    )


async def test_a_shift_audience_takes_the_bookings_of_the_days_the_broadcast_is_about(
    apps: Apps,
) -> None:
    """s0 sits in the morning shift from today; s2 paid for the morning shift from in ten
    days: a broadcast about those days reaches both, one about today s0 alone."""
    a, _ = await _world(apps)
    s2 = a.students[2]
    today = today_in_india()
    later = await booked(
        apps,
        a.owner,
        booking_body(a, student=s2, seat=a.seats[2], start=today + timedelta(days=10)),
    )
    await created(apps, a.owner, uuid.UUID(later["id"]), "cash")
    await run_consumers(apps)  # confirmed by the capture
    morning = str(a.shifts["morning"])

    def on(first: int, last: int) -> dict[str, Any]:
        return {
            "from_date": (today + timedelta(days=first)).isoformat(),
            "to_date": (today + timedelta(days=last)).isoformat(),
        }

    assert await _chosen(apps, a.owner, {"shift_id": morning}) == 1
    assert await _chosen(apps, a.owner, {"shift_id": morning, **on(10, 12)}) == 2
    # Across several weeks (the booking service is asked a week at a time).
    assert await _chosen(apps, a.owner, {"shift_id": morning, **on(0, 30)}) == 2
    assert await _chosen(apps, a.owner, {"shift_id": morning, **on(3, 5)}) == 1
    assert await _chosen(apps, a.owner, {"booking": "active", **on(10, 10)}) == 2
    afternoon = str(a.shifts["afternoon"])
    assert await _chosen(apps, a.owner, {"shift_id": afternoon, **on(10, 12)}) == 0

    client = apps.client("message")
    yesterday = await _quote(apps, a.owner, {"shift_id": morning, **on(-1, 2)})
    assert yesterday.status_code == 422
    assert yesterday.json()["code"] == "audience_dates_invalid"
    for audience in (
        {"shift_id": morning, **on(0, 31)},  # 32 days
        {"shift_id": morning, **on(5, 4)},
        {"with_dues": True, **on(0, 1)},  # dates say nothing about dues
    ):
        resp = await client.post(
            f"{BROADCASTS}/quote", json=_body(audience), headers=a.owner.headers
        )
        assert resp.status_code == 422 and resp.json()["code"] == "validation_error", audience
