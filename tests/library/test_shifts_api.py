"""Shifts: daily windows in local time, across midnight or the full day, overlaps allowed."""

from __future__ import annotations

from tests.conftest import Apps
from tests.fixtures.library import LIBRARIES, create_fee_plan, create_library, create_shift
from tests.fixtures.users import register_owner


async def test_shifts_cross_midnight_fill_the_day_and_may_overlap(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    night = await create_shift(apps, owner, lid, "Night", "22:00", "06:00")
    assert night["crosses_midnight"] is True and night["duration_minutes"] == 480
    full = await create_shift(apps, owner, lid, "Full day", full_day=True)
    assert (full["start_time"], full["end_time"], full["duration_minutes"]) == (
        "00:00",
        "24:00",
        1440,
    )
    # Overlapping the night shift is fine: the booking rules decide conflicts.
    late = await create_shift(apps, owner, lid, "Late evening", "18:00", "23:30")
    assert late["crosses_midnight"] is False
    listed = await apps.client("library").get(f"{LIBRARIES}/{lid}/shifts", headers=owner.headers)
    assert [s["name"] for s in listed.json()["items"]] == ["Full day", "Late evening", "Night"]


async def test_invalid_shift_windows_are_422_and_names_unique_per_library(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    client = apps.client("library")
    url = f"{LIBRARIES}/{lid}/shifts"
    for bad in (
        {"name": "Same", "start_time": "09:00", "end_time": "09:00"},
        {"name": "Half", "start_time": "09:00"},
        {"name": "Full", "is_full_day": True, "start_time": "06:00", "end_time": "06:00"},
        {"name": "Odd", "start_time": "9:00", "end_time": "17:00"},
        {"name": "Odd", "start_time": "09:60", "end_time": "17:00"},
        {"name": "", "start_time": "09:00", "end_time": "17:00"},
        {"name": "Odd", "start_time": "09:00", "end_time": "17:00", "capacity": 10},
    ):
        resp = await client.post(url, json=bad, headers=owner.headers)
        assert resp.status_code == 422, (bad, resp.text)
    await create_shift(apps, owner, lid, "Morning", "06:00", "12:00")
    twice = await client.post(
        url,
        json={"name": "Morning", "start_time": "07:00", "end_time": "13:00"},
        headers=owner.headers,
    )
    assert twice.status_code == 409 and twice.json()["code"] == "shift_name_taken"


async def test_a_shift_changes_between_timed_and_full_day(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    shift = await create_shift(apps, owner, lid, "Evening", "14:00", "22:00")
    client = apps.client("library")
    url = f"{LIBRARIES}/{lid}/shifts/{shift['id']}"
    full = await client.patch(url, json={"is_full_day": True}, headers=owner.headers)
    assert full.status_code == 200, full.text
    assert (full.json()["start_time"], full.json()["end_time"]) == ("00:00", "24:00")
    # Leaving full day needs the new times: the old ones are gone.
    vague = await client.patch(url, json={"is_full_day": False}, headers=owner.headers)
    assert vague.status_code == 422
    timed = await client.patch(
        url,
        json={"is_full_day": False, "start_time": "23:00", "end_time": "07:00"},
        headers=owner.headers,
    )
    assert timed.json()["crosses_midnight"] is True and timed.json()["name"] == "Evening"
    moved = await client.patch(url, json={"end_time": "23:00"}, headers=owner.headers)
    assert moved.status_code == 422
    renamed = await client.patch(url, json={"name": "Night owl"}, headers=owner.headers)
    assert renamed.json()["start_time"] == "23:00" and renamed.json()["name"] == "Night owl"


async def test_a_shift_covered_by_a_plan_cannot_be_deleted(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    morning = await create_shift(apps, owner, lid, "Morning", "06:00", "12:00")
    spare = await create_shift(apps, owner, lid, "Spare", "12:00", "13:00")
    await create_fee_plan(apps, owner, lid, full_day=False, shift_ids=[morning["id"]])
    client = apps.client("library")
    blocked = await client.delete(
        f"{LIBRARIES}/{lid}/shifts/{morning['id']}", headers=owner.headers
    )
    assert blocked.status_code == 409 and blocked.json()["code"] == "shift_in_use"
    gone = await client.delete(f"{LIBRARIES}/{lid}/shifts/{spare['id']}", headers=owner.headers)
    assert gone.status_code == 204
    assert (
        await client.get(f"{LIBRARIES}/{lid}/shifts/{spare['id']}", headers=owner.headers)
    ).status_code == 404
