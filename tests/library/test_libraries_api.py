"""Branches as an owner manages them: create within the plan, read, change, close, delete."""

from __future__ import annotations

import asyncio
import uuid

from tests.conftest import Apps
from tests.fixtures.library import (
    GSTIN_MH,
    LIBRARIES,
    create_fee_plan,
    create_library,
    library_body,
    owner_with_limits,
)
from tests.fixtures.users import register_owner
from tests.library.helpers import audit_actions, library_client


async def test_owner_creates_a_library_with_everything_normalised(apps: Apps) -> None:
    owner = await register_owner(apps)
    body = library_body(
        state="maharashtra",
        contact_phone="+91 98765-43210",
        contact_email="Desk@Lakshya.IN",
        gstin=GSTIN_MH.lower(),
        amenities=["wifi", "lockers", "wifi"],
        opening_hours={
            "monday": [{"opens": "06:00", "closes": "23:00"}],
            "sunday": [{"opens": "08:00", "closes": "13:00"}],
        },
    )
    resp = await apps.client("library").post(LIBRARIES, json=body, headers=owner.headers)
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made["state"] == "MH" and made["state_name"] == "Maharashtra"
    assert made["gst_state_code"] == "27"
    assert made["contact_phone"] == "+919876543210"
    assert made["contact_email"] == "desk@lakshya.in"
    assert made["gstin"] == GSTIN_MH
    assert made["amenities"] == ["lockers", "wifi"]
    assert made["timezone"] == "Asia/Kolkata"
    assert made["status"] == "active"
    assert made["opening_hours"]["monday"] == [{"opens": "06:00", "closes": "23:00"}]
    assert made["opening_hours"]["tuesday"] == []

    got = await apps.client("library").get(f"{LIBRARIES}/{made['id']}", headers=owner.headers)
    assert got.status_code == 200 and got.json() == made
    actions = [a["action"] for a in await audit_actions(apps, owner.tenant_id)]
    assert "library.created" in actions


async def test_trial_plan_allows_one_library_then_plan_limit_reached(apps: Apps) -> None:
    owner = await register_owner(apps)
    await create_library(apps, owner)
    resp = await apps.client("library").post(LIBRARIES, json=library_body(), headers=owner.headers)
    assert resp.status_code == 403
    assert resp.json()["code"] == "plan_limit_reached"
    listed = await apps.client("library").get(LIBRARIES, headers=owner.headers)
    assert listed.json()["total"] == 1


async def test_concurrent_creations_cannot_pass_the_plan_limit(apps: Apps) -> None:
    owner = await register_owner(apps)  # trial: one library
    client = apps.client("library")
    answers = await asyncio.gather(
        *(client.post(LIBRARIES, json=library_body(), headers=owner.headers) for _ in range(3))
    )
    assert sorted(r.status_code for r in answers) == [201, 403, 403]
    assert (await client.get(LIBRARIES, headers=owner.headers)).json()["total"] == 1


async def test_two_libraries_cannot_share_a_name(apps: Apps) -> None:
    owner = await owner_with_limits(apps)
    await create_library(apps, owner, name="Lakshya Kothrud")
    resp = await apps.client("library").post(
        LIBRARIES, json=library_body(name="Lakshya Kothrud"), headers=owner.headers
    )
    assert resp.status_code == 409 and resp.json()["code"] == "library_name_taken"


async def test_unknown_fields_and_out_of_range_values_are_422_with_field_errors(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    client = apps.client("library")
    cases = {
        "body.tenant_id": library_body(tenant_id=str(uuid.uuid4())),
        "body.pincode": library_body(pincode="04110"),
        "body.state": library_body(state="Atlantis"),
        "body.timezone": library_body(timezone="Mars/Olympus"),
        "body.contact_phone": library_body(contact_phone="12345"),
        "body.gstin": library_body(gstin="27AAPFU0939F1ZX"),
        "body.name": library_body(name="x" * 121),
        "body.status": library_body(status="demolished"),
        "body.amenities.0": library_body(amenities=["helipad"]),
        "body.opening_hours.monday": library_body(
            opening_hours={"monday": [{"opens": "10:00", "closes": "12:00"}] * 5}
        ),
    }
    for field, body in cases.items():
        resp = await client.post(LIBRARIES, json=body, headers=owner.headers)
        assert resp.status_code == 422, (field, resp.text)
        assert resp.headers["content-type"] == "application/problem+json"
        assert any(e["field"].startswith(field) for e in resp.json()["errors"]), (field, resp.text)
    listed = await client.get(LIBRARIES, headers=owner.headers)
    assert listed.json()["total"] == 0


async def test_owner_updates_a_library_and_gstin_is_checked_against_the_new_state(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    made = await create_library(apps, owner, gstin=GSTIN_MH)
    client = apps.client("library")
    url = f"{LIBRARIES}/{made['id']}"

    moved = await client.patch(url, json={"state": "KA"}, headers=owner.headers)
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "body.gstin"

    moved = await client.patch(url, json={"state": "KA", "gstin": None}, headers=owner.headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "KA" and moved.json()["gstin"] is None

    closed = await client.patch(
        url, json={"status": "closed", "timezone": "Asia/Kathmandu"}, headers=owner.headers
    )
    assert closed.json()["status"] == "closed" and closed.json()["timezone"] == "Asia/Kathmandu"

    for bad in ({"name": None}, {"status": "open"}, {"id": str(uuid.uuid4())}):
        resp = await client.patch(url, json=bad, headers=owner.headers)
        assert resp.status_code == 422, (bad, resp.text)
    assert (await client.get(url, headers=owner.headers)).json()["name"] == made["name"]


async def test_list_filters_sorts_and_pages(apps: Apps) -> None:
    owner = await owner_with_limits(apps)
    for name, city in (("Gamma", "Pune"), ("Alpha", "Kota"), ("Beta", "Pune")):
        await create_library(apps, owner, name=name, city=city)
    client = apps.client("library")
    page = await client.get(
        LIBRARIES, params={"sort": "-name", "page_size": 2}, headers=owner.headers
    )
    body = page.json()
    assert body["total"] == 3 and [i["name"] for i in body["items"]] == ["Gamma", "Beta"]
    pune = await client.get(LIBRARIES, params={"city": "pune"}, headers=owner.headers)
    assert sorted(i["name"] for i in pune.json()["items"]) == ["Beta", "Gamma"]
    found = await client.get(LIBRARIES, params={"q": "LPH"}, headers=owner.headers)
    assert [i["name"] for i in found.json()["items"]] == ["Alpha"]
    bad = await client.get(LIBRARIES, params={"sort": "pincode"}, headers=owner.headers)
    assert bad.status_code == 422


async def test_deleting_a_library_takes_its_seats_shifts_and_unsold_plans(apps: Apps) -> None:
    owner = await register_owner(apps)
    made = await create_library(apps, owner)
    client = apps.client("library")
    lid = made["id"]
    await client.post(
        f"{LIBRARIES}/{lid}/seats/bulk", json={"from": 1, "to": 5}, headers=owner.headers
    )
    plan = await create_fee_plan(apps, owner, lid)
    resp = await client.delete(f"{LIBRARIES}/{lid}", headers=owner.headers)
    assert resp.status_code == 204
    assert (await client.get(f"{LIBRARIES}/{lid}", headers=owner.headers)).status_code == 404
    assert (
        await client.get(f"/api/fee-plans/{plan['id']}", headers=owner.headers)
    ).status_code == 404
    # The seats are gone too: the trial's single library slot is free again.
    await create_library(apps, owner)


async def test_a_library_whose_plan_was_sold_cannot_be_deleted_only_closed(apps: Apps) -> None:
    owner = await register_owner(apps)
    made = await create_library(apps, owner)
    plan = await create_fee_plan(apps, owner, made["id"])
    assert owner.tenant_id is not None
    await library_client(apps).mark_fee_plan_used(owner.tenant_id, uuid.UUID(plan["id"]))
    client = apps.client("library")
    resp = await client.delete(f"{LIBRARIES}/{made['id']}", headers=owner.headers)
    assert resp.status_code == 409 and resp.json()["code"] == "library_in_use"
    closed = await client.patch(
        f"{LIBRARIES}/{made['id']}", json={"status": "closed"}, headers=owner.headers
    )
    assert closed.status_code == 200


async def test_internal_library_record_names_state_time_zone_and_status(apps: Apps) -> None:
    owner = await register_owner(apps)
    made = await create_library(apps, owner, gstin=GSTIN_MH, timezone="Asia/Kolkata")
    assert owner.tenant_id is not None
    client = library_client(apps, "payment")
    record = await client.get_library(owner.tenant_id, uuid.UUID(made["id"]))
    assert record is not None
    assert (record.state, record.gst_state_code, record.gstin) == ("MH", "27", GSTIN_MH)
    assert record.timezone == "Asia/Kolkata" and record.status == "active"
    other = await register_owner(apps)
    assert other.tenant_id is not None
    assert await client.get_library(other.tenant_id, uuid.UUID(made["id"])) is None


async def test_internal_routes_refuse_user_tokens(apps: Apps) -> None:
    owner = await register_owner(apps)
    made = await create_library(apps, owner)
    resp = await apps.client("library").get(
        f"/internal/libraries/{made['id']}",
        params={"tenant_id": str(owner.tenant_id)},
        headers=owner.headers,
    )
    assert resp.status_code == 401
