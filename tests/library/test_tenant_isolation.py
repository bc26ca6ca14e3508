"""Another library business's owner finds nothing of ours: every endpoint answers 404."""

from __future__ import annotations

from tests.conftest import Apps
from tests.fixtures.library import (
    FEE_PLANS,
    LIBRARIES,
    STAFF,
    hire_staff,
    library_with_everything,
)
from tests.fixtures.users import register_owner


async def test_every_endpoint_with_another_tenants_owner_token_is_404(apps: Apps) -> None:
    owner = await register_owner(apps)
    setup = await library_with_everything(apps, owner)
    person, _ = await hire_staff(apps, owner, [setup.library_id])
    lib = f"{LIBRARIES}/{setup.library_id}"
    seat = f"{lib}/seats/{setup.seats[0]['id']}"
    shift = f"{lib}/shifts/{setup.morning['id']}"
    plan = f"{FEE_PLANS}/{setup.full_day_plan['id']}"
    staff = f"{STAFF}/{person['id']}"
    calls: list[tuple[str, str, dict[str, object] | None]] = [
        ("GET", lib, None),
        ("PATCH", lib, {"name": "Taken over"}),
        ("DELETE", lib, None),
        ("GET", f"{lib}/seats", None),
        ("POST", f"{lib}/seats", {"label": "X1"}),
        ("POST", f"{lib}/seats/bulk", {"prefix": "X", "from": 1, "to": 2}),
        ("GET", seat, None),
        ("PATCH", seat, {"status": "maintenance"}),
        ("DELETE", seat, None),
        ("GET", f"{lib}/shifts", None),
        ("POST", f"{lib}/shifts", {"name": "X", "start_time": "01:00", "end_time": "02:00"}),
        ("GET", shift, None),
        ("PATCH", shift, {"name": "Renamed"}),
        ("DELETE", shift, None),
        ("GET", f"{FEE_PLANS}?library_id={setup.library_id}", None),
        ("GET", plan, None),
        ("PATCH", plan, {"price_paise": 1}),
        ("DELETE", plan, None),
        ("GET", f"{STAFF}?library_id={setup.library_id}", None),
        ("GET", staff, None),
        ("PATCH", staff, {"is_active": False}),
        ("DELETE", staff, None),
        ("POST", f"{staff}/invite", None),
        ("GET", f"{LIBRARIES}/realtime-occupancy?library_id={setup.library_id}", None),
    ]
    intruder = await register_owner(apps)
    client = apps.client("library")
    for method, path, body in calls:
        resp = await client.request(method, path, json=body, headers=intruder.headers)
        assert resp.status_code == 404, (method, path, resp.status_code, resp.text)
        assert resp.headers["content-type"] == "application/problem+json"

    # A plan for a foreign library is refused as an unknown library, and lists stay empty.
    foreign_plan = await client.post(
        FEE_PLANS,
        json={
            "library_id": setup.library_id,
            "name": "X",
            "duration_unit": "day",
            "duration_value": 1,
            "full_day": True,
            "price_paise": 100,
        },
        headers=intruder.headers,
    )
    assert foreign_plan.status_code == 422
    for path in (LIBRARIES, FEE_PLANS, STAFF):
        assert (await client.get(path, headers=intruder.headers)).json()["total"] == 0
    occupancy = await client.get(f"{LIBRARIES}/realtime-occupancy", headers=intruder.headers)
    assert occupancy.json()["libraries"] == []

    # Nothing of the owner's changed.
    still = await client.get(lib, headers=owner.headers)
    assert still.json()["name"] == setup.library["name"]
    assert (await client.get(staff, headers=owner.headers)).json()["is_active"] is True
    assert (await client.get(f"{lib}/seats", headers=owner.headers)).json()["total"] == len(
        setup.seats
    )
