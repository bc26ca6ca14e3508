"""The plan's staff limit, enforced by the library service through the kit's entitlement
check: warnings at 80 % and 100 %, the overage, then 403 `plan_limit_reached`, for hiring
and for activating someone again."""

from __future__ import annotations

from typing import Any

from tests.conftest import Apps
from tests.fixtures.library import STAFF, create_library, unique_mobile
from tests.fixtures.subscriptions import PLANS, current, let_entitlements_sync
from tests.fixtures.users import LoggedIn, create_platform_user, random_email, register_owner
from tests.subscription.test_limits import on_plan, tiny_plan


async def hire(apps: Apps, owner: LoggedIn, lid: str) -> Any:
    return await apps.client("library").post(
        STAFF,
        json={
            "name": "Ravi Kumar",
            "email": random_email("staff"),
            "phone": unique_mobile(),
            "role": "staff",
            "library_ids": [lid],
        },
        headers=owner.headers,
    )


async def test_staff_limit_warns_allows_the_overage_then_refuses_hiring_and_activating(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    made = await apps.client("subscription").post(
        PLANS, json=tiny_plan(code="crew", name="Crew", max_staff=5), headers=admin.headers
    )
    assert made.status_code == 201, made.text
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    await on_plan(apps, owner, admin, "crew", 10_000)
    let_entitlements_sync(apps, "library")

    people, warnings = [], []
    for _ in range(6):  # 5 staff plus the 20 % overage
        resp = await hire(apps, owner, lid)
        assert resp.status_code == 201, resp.text
        people.append(resp.json()["id"])
        warnings.append(resp.headers.get("x-plan-limit-warning"))
    assert warnings[:3] == [None] * 3
    assert warnings[3] == "staff; used=4; limit=5; reached=80%"
    assert warnings[4] == "staff; used=5; limit=5; reached=100%"
    assert warnings[5] == "staff; used=6; limit=5; reached=100%"

    refused = await hire(apps, owner, lid)
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["code"] == "plan_limit_reached"
    assert "Limit staff" in problem["detail"] and "you use 6" in problem["detail"]
    assert "professional" in problem["detail"]  # Starter's 5 would not do
    assert {"field": "upgrade", "message": "professional"} in problem["errors"]
    assert {"field": "limit.staff", "message": "limit=5; used=6; adding=1"} in problem["errors"]
    listed = await apps.client("library").get(STAFF, headers=owner.headers)
    assert listed.json()["total"] == 6  # nothing of the refused hire was kept

    # Inactive staff do not count: one leaves, another is hired, the first cannot return.
    api = apps.client("library")
    left = await api.patch(f"{STAFF}/{people[0]}", json={"is_active": False}, headers=owner.headers)
    assert left.status_code == 200, left.text
    assert (await hire(apps, owner, lid)).status_code == 201
    back = await api.patch(f"{STAFF}/{people[0]}", json={"is_active": True}, headers=owner.headers)
    assert back.status_code == 403 and back.json()["code"] == "plan_limit_reached"
    still = await api.get(f"{STAFF}/{people[0]}", headers=owner.headers)
    assert still.json()["is_active"] is False
    # Another change of an active person is no addition.
    renamed = await api.patch(f"{STAFF}/{people[1]}", json={"name": "Meena"}, headers=owner.headers)
    assert renamed.status_code == 200, renamed.text
    usage = await api.get("/api/v1/libraries/usage", headers=owner.headers)
    assert usage.json()["staff"] == 6


async def test_a_trial_tenant_hires_three_staff(apps: Apps) -> None:
    owner = await register_owner(apps)
    await current(apps, owner)  # opens the trial subscription (and seeds the catalogue)
    lid = (await create_library(apps, owner))["id"]
    for _ in range(3):
        assert (await hire(apps, owner, lid)).status_code == 201
    refused = await hire(apps, owner, lid)
    assert refused.status_code == 403 and refused.json()["code"] == "plan_limit_reached"
    assert {"field": "upgrade", "message": "starter"} in refused.json()["errors"]
