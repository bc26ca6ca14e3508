"""Fee plans: what they cover, what they cost with GST, and that a sold plan is never deleted."""

from __future__ import annotations

import uuid

from tests.conftest import Apps
from tests.fixtures.library import (
    FEE_PLANS,
    create_fee_plan,
    create_library,
    create_shift,
    fee_plan_body,
    hire_staff,
    library_with_everything,
    owner_with_limits,
)
from tests.fixtures.users import register_owner
from tests.library.helpers import library_client


async def test_owner_creates_a_shift_plan_with_its_price_breakup(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    morning = await create_shift(apps, owner, lid, "Morning", "06:00", "14:00")
    plan = await create_fee_plan(
        apps,
        owner,
        lid,
        name="Morning AC reserved, 3 months",
        duration_value=3,
        full_day=False,
        shift_ids=[morning["id"]],
        seat_type="ac",
        seat_assignment="reserved",
        price_paise=300_000,
        registration_fee_paise=20_000,
        security_deposit_paise=50_000,
        gst_rate_percent=18,
        price_includes_tax=False,
        max_pause_days=15,
        max_pauses_per_year=2,
        keep_seat_on_pause=True,
    )
    assert plan["shift_ids"] == [morning["id"]]
    assert plan["price_breakup"] == {
        "taxable_value_paise": 300_000,
        "gst_paise": 54_000,
        "total_paise": 354_000,
    }
    assert plan["currency"] == "INR" and plan["is_active"] is True and plan["in_use"] is False
    assert (plan["max_pause_days"], plan["max_pauses_per_year"]) == (15, 2)
    got = await apps.client("library").get(f"{FEE_PLANS}/{plan['id']}", headers=owner.headers)
    assert got.json() == plan


async def test_plan_validation_refuses_inconsistent_and_out_of_range_plans(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    client = apps.client("library")
    cases = [
        fee_plan_body(lid, duration_value=37),  # more than 36 months
        fee_plan_body(lid, duration_unit="hour", duration_value=25),
        fee_plan_body(lid, duration_unit="week"),
        fee_plan_body(lid, gst_rate_percent=7),
        fee_plan_body(lid, price_paise=-1),
        fee_plan_body(lid, price_paise=100_000_001),
        fee_plan_body(lid, full_day=False),  # covers nothing
        fee_plan_body(lid, full_day=True, shift_ids=[str(uuid.uuid4())]),
        fee_plan_body(None, full_day=False, shift_ids=[str(uuid.uuid4())]),
        fee_plan_body(lid, full_day=False, shift_ids=[str(uuid.uuid4())]),  # unknown shift
        fee_plan_body(lid, seat_type="sofa"),
        fee_plan_body(lid, used_at="2026-01-01T00:00:00Z"),
        fee_plan_body(str(uuid.uuid4())),  # unknown library
    ]
    for body in cases:
        resp = await client.post(FEE_PLANS, json=body, headers=owner.headers)
        assert resp.status_code == 422, (body, resp.text)
    assert (await client.get(FEE_PLANS, headers=owner.headers)).json()["total"] == 0


async def test_a_plan_cannot_cover_another_librarys_shift(apps: Apps) -> None:
    owner = await owner_with_limits(apps)
    a = (await create_library(apps, owner))["id"]
    b = (await create_library(apps, owner))["id"]
    b_shift = await create_shift(apps, owner, b, "Morning", "06:00", "12:00")
    resp = await apps.client("library").post(
        FEE_PLANS,
        json=fee_plan_body(a, full_day=False, shift_ids=[b_shift["id"]]),
        headers=owner.headers,
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "body.shift_ids"


async def test_library_filter_lists_its_own_and_tenant_wide_plans(apps: Apps) -> None:
    owner = await owner_with_limits(apps)
    a = (await create_library(apps, owner))["id"]
    b = (await create_library(apps, owner))["id"]
    await create_fee_plan(apps, owner, a, name="A monthly")
    await create_fee_plan(apps, owner, b, name="B monthly")
    await create_fee_plan(apps, owner, None, name="Day pass", duration_unit="day")
    await create_fee_plan(apps, owner, a, name="Old A plan", is_active=False)
    client = apps.client("library")
    at_a = await client.get(
        FEE_PLANS, params={"library_id": a, "is_active": "true"}, headers=owner.headers
    )
    assert sorted(p["name"] for p in at_a.json()["items"]) == ["A monthly", "Day pass"]
    daily = await client.get(FEE_PLANS, params={"duration_unit": "day"}, headers=owner.headers)
    assert [p["name"] for p in daily.json()["items"]] == ["Day pass"]
    by_price = await client.get(FEE_PLANS, params={"sort": "-price"}, headers=owner.headers)
    assert by_price.json()["total"] == 4


async def test_an_unsold_plan_is_deleted_a_sold_one_only_deactivated(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    draft = await create_fee_plan(apps, owner, lid, name="Draft")
    sold = await create_fee_plan(apps, owner, lid, name="Sold")
    client = apps.client("library")
    assert (
        await client.delete(f"{FEE_PLANS}/{draft['id']}", headers=owner.headers)
    ).status_code == 204

    assert owner.tenant_id is not None
    record = await library_client(apps).mark_fee_plan_used(owner.tenant_id, uuid.UUID(sold["id"]))
    assert record.used_at is not None and record.price_paise == sold["price_paise"]
    again = await library_client(apps).mark_fee_plan_used(owner.tenant_id, uuid.UUID(sold["id"]))
    assert again.used_at == record.used_at  # the first sale is the one remembered

    refused = await client.delete(f"{FEE_PLANS}/{sold['id']}", headers=owner.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "fee_plan_in_use"
    off = await client.patch(
        f"{FEE_PLANS}/{sold['id']}", json={"is_active": False}, headers=owner.headers
    )
    assert off.status_code == 200
    assert (off.json()["is_active"], off.json()["in_use"]) == (False, True)


async def test_updating_a_plan_rechecks_coverage_and_duration(apps: Apps) -> None:
    owner = await register_owner(apps)
    setup = await library_with_everything(apps, owner)
    client = apps.client("library")
    url = f"{FEE_PLANS}/{setup.morning_plan['id']}"
    both = await client.patch(
        url, json={"shift_ids": [setup.morning["id"], setup.night["id"]]}, headers=owner.headers
    )
    assert both.status_code == 200
    assert sorted(both.json()["shift_ids"]) == sorted([setup.morning["id"], setup.night["id"]])
    full = await client.patch(url, json={"full_day": True}, headers=owner.headers)
    assert full.json()["full_day"] is True and full.json()["shift_ids"] == []
    hourly = await client.patch(url, json={"duration_unit": "hour"}, headers=owner.headers)
    assert (hourly.json()["duration_unit"], hourly.json()["duration_value"]) == ("hour", 1)
    for bad in (
        {"duration_unit": "hour", "duration_value": 30},
        {"full_day": False},
        {"price_paise": None},
        {"library_id": str(uuid.uuid4())},
    ):
        resp = await client.patch(url, json=bad, headers=owner.headers)
        assert resp.status_code == 422, (bad, resp.text)
    # Once the morning shift is no longer covered, it can be deleted.
    gone = await client.delete(
        f"/api/v1/libraries/{setup.library_id}/shifts/{setup.morning['id']}", headers=owner.headers
    )
    assert gone.status_code == 204


async def test_a_manager_offers_plans_at_their_branch_but_not_tenant_wide(apps: Apps) -> None:
    owner = await owner_with_limits(apps)
    a = (await create_library(apps, owner))["id"]
    b = (await create_library(apps, owner))["id"]
    _, manager = await hire_staff(apps, owner, [a], role="manager")
    client = apps.client("library")
    mine = await client.post(FEE_PLANS, json=fee_plan_body(a), headers=manager.headers)
    assert mine.status_code == 201
    other = await client.post(FEE_PLANS, json=fee_plan_body(b), headers=manager.headers)
    assert other.status_code == 403 and other.json()["code"] == "branch_forbidden"
    everywhere = await client.post(FEE_PLANS, json=fee_plan_body(None), headers=manager.headers)
    assert everywhere.status_code == 403
    b_plan = await create_fee_plan(apps, owner, b)
    hidden = await client.get(f"{FEE_PLANS}/{b_plan['id']}", headers=manager.headers)
    assert hidden.status_code == 403
    listed = await client.get(FEE_PLANS, headers=manager.headers)
    assert [p["library_id"] for p in listed.json()["items"]] == [a]
    # Deleting is the owner's: a manager holds no fee_plans:delete.
    denied = await client.delete(f"{FEE_PLANS}/{mine.json()['id']}", headers=manager.headers)
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
