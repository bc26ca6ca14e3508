"""Seats: one by one, in bulk by pattern (all or nothing), unique labels, plan limits."""

from __future__ import annotations

import asyncio

from tests.conftest import Apps
from tests.fixtures.library import (
    LIBRARIES,
    create_library,
    create_seats,
    hire_staff,
    owner_with_limits,
    raise_limits,
)
from tests.fixtures.users import register_owner


async def test_bulk_pattern_creates_a1_to_a60_in_natural_order(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    client = apps.client("library")
    resp = await client.post(
        f"{LIBRARIES}/{lid}/seats/bulk",
        json={
            "prefix": "A",
            "from": 1,
            "to": 60,
            "zone": "Silent hall",
            "floor": 1,
            "seat_type": "ac",
            "row": 3,
        },
        headers=owner.headers,
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["created"] == 60
    listed = await client.get(
        f"{LIBRARIES}/{lid}/seats", params={"page_size": 200}, headers=owner.headers
    )
    seats = listed.json()["items"]
    assert listed.json()["total"] == 60
    assert [s["label"] for s in seats[:3]] == ["A1", "A2", "A3"]
    assert seats[9]["label"] == "A10" and seats[-1]["label"] == "A60"
    assert {(s["seat_type"], s["zone"], s["floor"], s["row"]) for s in seats} == {
        ("ac", "Silent hall", 1, 3)
    }
    assert [s["column"] for s in seats[:3]] == [1, 2, 3]


async def test_bulk_with_existing_labels_makes_nothing_and_names_the_duplicates(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    await create_seats(apps, owner, lid, prefix="A", count=5)
    client = apps.client("library")
    resp = await client.post(
        f"{LIBRARIES}/{lid}/seats/bulk",
        json={"prefix": "A", "from": 4, "to": 8},
        headers=owner.headers,
    )
    assert resp.status_code == 409
    problem = resp.json()
    assert problem["code"] == "seat_label_taken"
    assert "A4, A5" in problem["detail"]
    assert [e["message"] for e in problem["errors"]] == ["A4 already exists", "A5 already exists"]
    listed = await client.get(f"{LIBRARIES}/{lid}/seats", headers=owner.headers)
    assert listed.json()["total"] == 5


async def test_bulk_of_more_than_1000_seats_is_refused(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    resp = await apps.client("library").post(
        f"{LIBRARIES}/{lid}/seats/bulk",
        json={"prefix": "A", "from": 1, "to": 1001},
        headers=owner.headers,
    )
    assert resp.status_code == 422


async def test_seat_plan_limit_refuses_a_bulk_that_would_pass_it_entirely(apps: Apps) -> None:
    owner = await register_owner(apps)  # trial: 100 seats
    lid = (await create_library(apps, owner))["id"]
    client = apps.client("library")
    await create_seats(apps, owner, lid, prefix="A", count=95)
    resp = await client.post(
        f"{LIBRARIES}/{lid}/seats/bulk",
        json={"prefix": "B", "from": 1, "to": 6},
        headers=owner.headers,
    )
    assert resp.status_code == 403 and resp.json()["code"] == "plan_limit_reached"
    assert (await client.get(f"{LIBRARIES}/{lid}/seats", headers=owner.headers)).json()[
        "total"
    ] == 95
    await create_seats(apps, owner, lid, prefix="B", count=5)
    one_more = await client.post(
        f"{LIBRARIES}/{lid}/seats", json={"label": "C1"}, headers=owner.headers
    )
    assert one_more.status_code == 403 and one_more.json()["code"] == "plan_limit_reached"
    await raise_limits(apps, owner, max_seats=101)
    assert (
        await client.post(f"{LIBRARIES}/{lid}/seats", json={"label": "C1"}, headers=owner.headers)
    ).status_code == 201


async def test_concurrent_bulk_creations_of_the_same_labels_one_wins_one_409(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    client = apps.client("library")
    body = {"prefix": "R", "from": 1, "to": 40}
    first, second = await asyncio.gather(
        client.post(f"{LIBRARIES}/{lid}/seats/bulk", json=body, headers=owner.headers),
        client.post(f"{LIBRARIES}/{lid}/seats/bulk", json=body, headers=owner.headers),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] == "seat_label_taken"
    assert (await client.get(f"{LIBRARIES}/{lid}/seats", headers=owner.headers)).json()[
        "total"
    ] == 40


async def test_one_seat_crud_with_unique_label_and_position(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    client = apps.client("library")
    seats = f"{LIBRARIES}/{lid}/seats"
    made = await client.post(
        seats,
        json={"label": "Cabin-1", "seat_type": "cabin", "row": 1, "column": 1},
        headers=owner.headers,
    )
    assert made.status_code == 201, made.text
    seat = made.json()
    assert (seat["label"], seat["seat_type"], seat["status"]) == ("Cabin-1", "cabin", "active")

    same_label = await client.post(seats, json={"label": "Cabin-1"}, headers=owner.headers)
    assert same_label.status_code == 409 and same_label.json()["code"] == "seat_label_taken"
    same_place = await client.post(
        seats, json={"label": "Cabin-2", "row": 1, "column": 1}, headers=owner.headers
    )
    assert same_place.status_code == 409 and same_place.json()["code"] == "seat_position_taken"
    half_place = await client.post(
        seats, json={"label": "Cabin-2", "row": 1}, headers=owner.headers
    )
    assert half_place.status_code == 422

    url = f"{seats}/{seat['id']}"
    fixed = await client.patch(
        url,
        json={"status": "maintenance", "label": "Cabin-01", "row": None, "column": None},
        headers=owner.headers,
    )
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["status"], fixed.json()["label"], fixed.json()["row"]) == (
        "maintenance",
        "Cabin-01",
        None,
    )
    for bad in ({"status": "broken"}, {"label": None}, {"row": 2}, {"floor": 999}, {"x": 1}):
        assert (await client.patch(url, json=bad, headers=owner.headers)).status_code == 422, bad
    assert (await client.get(url, headers=owner.headers)).json()["label"] == "Cabin-01"

    maintenance = await client.get(seats, params={"status": "maintenance"}, headers=owner.headers)
    assert maintenance.json()["total"] == 1
    assert (await client.delete(url, headers=owner.headers)).status_code == 204
    assert (await client.get(url, headers=owner.headers)).status_code == 404


async def test_a_seat_is_only_found_under_its_own_library(apps: Apps) -> None:
    owner = await register_owner(apps)
    await raise_limits(apps, owner)
    a = (await create_library(apps, owner))["id"]
    b = (await create_library(apps, owner))["id"]
    seat = (await create_seats(apps, owner, a, count=1))[0]
    resp = await apps.client("library").get(
        f"{LIBRARIES}/{b}/seats/{seat['id']}", headers=owner.headers
    )
    assert resp.status_code == 404 and resp.json()["code"] == "seat_not_found"


async def test_usage_counts_what_the_limit_checks_count_for_the_owner_only(apps: Apps) -> None:
    owner, other = await owner_with_limits(apps), await register_owner(apps)
    first = (await create_library(apps, owner))["id"]
    second = (await create_library(apps, owner))["id"]
    await create_seats(apps, owner, first, prefix="A", count=3)
    await create_seats(apps, owner, second, prefix="B", count=2)
    await hire_staff(apps, owner, [first])
    client = apps.client("library")
    resp = await client.get(f"{LIBRARIES}/usage", headers=owner.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"libraries": 2, "seats": 5, "staff": 1}
    # Another tenant counts its own (nothing), and staff may not read the tenant's usage.
    assert (await client.get(f"{LIBRARIES}/usage", headers=other.headers)).json() == {
        "libraries": 0,
        "seats": 0,
        "staff": 0,
    }
    _, staff = await hire_staff(apps, owner, [second])
    refused = await client.get(f"{LIBRARIES}/usage", headers=staff.headers)
    assert refused.status_code == 403
