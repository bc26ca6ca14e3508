"""Soft limits from the subscription: warnings at 80 % and 100 %, the overage, then 403;
the entitlement cache follows a change within a second."""

from __future__ import annotations

from typing import Any

from tests.conftest import Apps
from tests.fixtures.library import LIBRARIES, create_library, library_body
from tests.fixtures.subscriptions import (
    CURRENT,
    PLANS,
    let_entitlements_sync,
    pay_manually,
    pay_upgrade_invoice,
)
from tests.fixtures.users import LoggedIn, create_platform_user, register_owner


def tiny_plan(**overrides: Any) -> dict[str, Any]:
    return {
        "code": "tiny",
        "name": "Tiny",
        "monthly_price_paise": 10_000,
        "quarterly_price_paise": 28_000,
        "half_yearly_price_paise": 54_000,
        "annual_price_paise": 100_000,
        "max_libraries": 1,
        "max_seats": 40,
        "max_students": 20,
        "max_staff": 1,
        "monthly_message_credits": 50,
        "overage_percent": 20,
        "features": ["email_reminders"],
        **overrides,
    }


async def on_plan(apps: Apps, owner: LoggedIn, admin: LoggedIn, code: str, price: int) -> None:
    chosen = await apps.client("subscription").post(
        f"{CURRENT}/plan", json={"plan_code": code}, headers=owner.headers
    )
    assert chosen.status_code == 200, chosen.text
    paid = await pay_manually(apps, admin, owner.tenant_id, price)
    assert paid.status_code == 200, paid.text


async def add_seat(apps: Apps, owner: LoggedIn, lid: str, label: str) -> Any:
    return await apps.client("library").post(
        f"{LIBRARIES}/{lid}/seats", json={"label": label}, headers=owner.headers
    )


async def test_soft_seat_limit_warns_at_80_and_100_then_allows_the_overage_then_refuses(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    made = await apps.client("subscription").post(PLANS, json=tiny_plan(), headers=admin.headers)
    assert made.status_code == 201, made.text
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    await on_plan(apps, owner, admin, "tiny", 10_000)
    let_entitlements_sync(apps, "library")

    headers = []
    for n in range(1, 49):  # 40 seats plus the 20 % overage
        resp = await add_seat(apps, owner, lid, f"A{n}")
        assert resp.status_code == 201, resp.text
        headers.append(resp.headers.get("x-plan-limit-warning"))
    assert headers[:31] == [None] * 31
    assert headers[31] == "seats; used=32; limit=40; reached=80%"
    assert headers[38] == "seats; used=39; limit=40; reached=80%"
    assert headers[39] == "seats; used=40; limit=40; reached=100%"
    assert headers[47] == "seats; used=48; limit=40; reached=100%"

    refused = await add_seat(apps, owner, lid, "A49")
    assert refused.status_code == 403
    problem = refused.json()
    assert problem["code"] == "plan_limit_reached"
    assert "Limit seats" in problem["detail"] and "you use 48" in problem["detail"]
    assert "starter" in problem["detail"]  # the cheapest plan with more seats
    assert {"field": "upgrade", "message": "starter"} in problem["errors"]


async def test_a_plan_change_reaches_the_library_within_a_second(apps: Apps) -> None:
    admin = await create_platform_user(apps)
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    await apps.client("subscription").post(PLANS, json=tiny_plan(), headers=admin.headers)
    await on_plan(apps, owner, admin, "tiny", 10_000)
    let_entitlements_sync(apps, "library")
    bulk = await apps.client("library").post(
        f"{LIBRARIES}/{lid}/seats/bulk",
        json={"prefix": "A", "from": 1, "to": 48},
        headers=owner.headers,
    )
    assert bulk.status_code == 201, bulk.text
    assert bulk.headers["x-plan-limit-warning"] == "seats; used=48; limit=40; reached=100%"
    assert (await add_seat(apps, owner, lid, "A49")).status_code == 403

    up = await apps.client("subscription").post(
        f"{CURRENT}/upgrade/quote", json={"plan_code": "starter"}, headers=owner.headers
    )
    assert up.status_code == 200, up.text
    done = await apps.client("subscription").post(
        f"{CURRENT}/upgrade",
        json={
            "plan_code": "starter",
            "expected_amount_paise": up.json()["amount_due_paise"],
            "quoted_at": up.json()["quoted_at"],
        },
        headers=owner.headers,
    )
    assert done.status_code == 200, done.text
    await pay_upgrade_invoice(apps, admin, owner)
    # Within the second the cache may still answer from before; past it, the event counts.
    let_entitlements_sync(apps, "library")
    assert (await add_seat(apps, owner, lid, "A49")).status_code == 201


async def test_message_credits_are_a_hard_limit() -> None:
    import uuid

    import pytest

    from studyspot.kit.entitlements import Entitlements, PlanLimitReached, check_limit

    ent = Entitlements(
        uuid.uuid4(),
        "tiny",
        "active",
        {"message_credits": 50, "students": 20},
        frozenset(),
        20,
        True,
    )
    assert check_limit(ent, "students", 23, 1).used == 24  # 20 + 20 % overage
    with pytest.raises(PlanLimitReached):
        check_limit(ent, "students", 24, 1)
    check_limit(ent, "message_credits", 49, 1)
    with pytest.raises(PlanLimitReached):
        check_limit(ent, "message_credits", 50, 1)


async def test_trial_tenants_keep_the_numbers_they_had(apps: Apps) -> None:
    owner = await register_owner(apps)
    await create_library(apps, owner)
    second = await apps.client("library").post(
        LIBRARIES, json={"name": "Second"}, headers=owner.headers
    )
    assert second.status_code in (403, 422)
    sub = await apps.client("subscription").get(CURRENT, headers=owner.headers)
    body = sub.json()
    assert (body["max_libraries"], body["max_seats"], body["max_students"]) == (1, 100, 200)
    assert body["overage_percent"] == 0


async def test_a_platform_admin_overrides_one_tenants_limits(apps: Apps) -> None:
    admin = await create_platform_user(apps)
    owner = await register_owner(apps)
    await create_library(apps, owner)
    api = apps.client("subscription")
    path = f"/api/v1/subscriptions/tenants/{owner.tenant_id}/limits"
    refused = await api.patch(path, json={"max_libraries": 3}, headers=owner.headers)
    assert refused.status_code == 403
    bad = await api.patch(path, json={"max_libraries": -1}, headers=admin.headers)
    assert bad.status_code == 422
    done = await api.patch(path, json={"max_libraries": 3}, headers=admin.headers)
    assert done.status_code == 200, done.text
    assert (done.json()["max_libraries"], done.json()["max_seats"]) == (3, 100)
    let_entitlements_sync(apps, "library")
    second = await apps.client("library").post(
        LIBRARIES, json=library_body(name="Second branch"), headers=owner.headers
    )
    assert second.status_code == 201, second.text


async def test_a_tenant_not_opened_yet_is_held_to_the_trial_plan_it_will_be_opened_on(
    apps: Apps,
) -> None:
    """The tenant row holds no limits (core_tenant_0002): before its subscription is opened,
    every service enforces the trial plan's current version, which the opening then copies."""
    admin = await create_platform_user(apps)
    api = apps.client("subscription")
    assert (await api.get(PLANS, headers=admin.headers)).status_code == 200  # seeds the catalogue
    revised = await api.patch(f"{PLANS}/trial", json={"max_libraries": 2}, headers=admin.headers)
    assert revised.status_code == 200, revised.text
    owner = await register_owner(apps)
    let_entitlements_sync(apps, "library")
    await create_library(apps, owner)
    second = await apps.client("library").post(
        LIBRARIES, json=library_body(name="Second branch"), headers=owner.headers
    )
    assert second.status_code == 201, second.text  # the revised trial allows two
    third = await apps.client("library").post(
        LIBRARIES, json=library_body(name="Third branch"), headers=owner.headers
    )
    assert (third.status_code, third.json()["code"]) == (403, "plan_limit_reached")
    opened = await api.get(CURRENT, headers=owner.headers)
    assert (opened.json()["plan_code"], opened.json()["max_libraries"]) == ("trial", 2)
