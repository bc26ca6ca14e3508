"""Plans are the platform's: admins edit them into new versions, nobody else edits them, and
an existing subscription keeps its version's price until its renewal."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import Apps
from tests.fixtures.subscriptions import (
    CURRENT,
    PLANS,
    SUBSCRIPTIONS,
    Clock,
    current,
    pay_manually,
    run_lifecycle,
)
from tests.fixtures.users import create_platform_user, register_owner

START = datetime(2026, 4, 1, tzinfo=UTC)


async def test_the_four_plans_are_offered_and_the_trial_is_not(apps: Apps) -> None:
    owner = await register_owner(apps)
    resp = await apps.client("subscription").get(PLANS, headers=owner.headers)
    assert resp.status_code == 200, resp.text
    plans = {p["code"]: p for p in resp.json()["items"]}
    assert list(plans) == ["free", "starter", "professional", "enterprise"]
    assert plans["starter"]["monthly_price_paise"] == 99_900
    assert plans["enterprise"]["max_students"] is None
    assert "whatsapp" in plans["professional"]["features"]
    assert resp.json()["items"][0]["version"] == 1


async def test_only_platform_admins_edit_plans(apps: Apps) -> None:
    owner = await register_owner(apps)
    staff = await create_platform_user(apps, staff=True)
    api = apps.client("subscription")
    for who in (owner, staff):
        resp = await api.patch(
            f"{PLANS}/starter", json={"monthly_price_paise": 1}, headers=who.headers
        )
        assert resp.status_code == 403, resp.text
    assert (await api.patch(f"{PLANS}/starter", json={})).status_code == 401


async def test_a_price_change_waits_for_each_subscriptions_renewal(apps: Apps) -> None:
    admin = await create_platform_user(apps)
    owner = await register_owner(apps)
    clock = Clock(apps, START).install()
    api = apps.client("subscription")
    await api.post(f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=owner.headers)
    assert (await pay_manually(apps, admin, owner.tenant_id, 99_900)).status_code == 200

    revised = await api.patch(
        f"{PLANS}/starter",
        json={"monthly_price_paise": 119_900, "max_students": 400},
        headers=admin.headers,
    )
    assert revised.status_code == 200, revised.text
    body = revised.json()
    assert (body["plan"]["version"], body["plan"]["monthly_price_paise"]) == (2, 119_900)
    assert body["subscriptions_on_older_versions"] == 1
    assert "next renewal" in body["note"]
    versions = await api.get(f"{PLANS}/starter/versions", headers=admin.headers)
    assert [(v["version"], v["is_current"]) for v in versions.json()["items"]] == [
        (1, False),
        (2, True),
    ]

    mine = await current(apps, owner)
    assert (mine["plan_version"], mine["price_paise"], mine["max_students"]) == (1, 99_900, 300)

    # The month ends unpaid: past due; the renewal is at the new version's price.
    clock.now = datetime(2026, 5, 1, 0, 0, 1, tzinfo=UTC)
    await run_lifecycle(apps)
    mine = await current(apps, owner)
    assert (mine["status"], mine["amount_due_paise"]) == ("past_due", 119_900)
    assert (await pay_manually(apps, admin, owner.tenant_id, 119_900)).status_code == 200
    mine = await current(apps, owner)
    assert (mine["plan_version"], mine["price_paise"], mine["max_students"]) == (2, 119_900, 400)


async def test_a_downgrade_takes_effect_at_period_end_and_a_cancel_moves_to_free(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    owner = await register_owner(apps)
    clock = Clock(apps, START).install()
    api = apps.client("subscription")
    await api.post(f"{CURRENT}/plan", json={"plan_code": "professional"}, headers=owner.headers)
    assert (await pay_manually(apps, admin, owner.tenant_id, 249_900)).status_code == 200
    down = await api.post(
        f"{CURRENT}/downgrade", json={"plan_code": "starter"}, headers=owner.headers
    )
    assert down.status_code == 200
    clock.now = datetime(2026, 4, 30, tzinfo=UTC)
    await run_lifecycle(apps)
    assert (await current(apps, owner))["plan_code"] == "professional"
    clock.now = datetime(2026, 5, 1, tzinfo=UTC)
    await run_lifecycle(apps)
    mine = await current(apps, owner)
    assert (mine["plan_code"], mine["status"], mine["amount_due_paise"]) == (
        "starter",
        "past_due",
        99_900,
    )
    assert (await pay_manually(apps, admin, owner.tenant_id, 99_900)).status_code == 200

    assert (await api.post(f"{CURRENT}/cancel", headers=owner.headers)).status_code == 200
    undo = await api.post(f"{CURRENT}/reactivate", headers=owner.headers)
    assert undo.status_code == 200 and undo.json()["cancel_at_period_end"] is False
    assert (await api.post(f"{CURRENT}/cancel", headers=owner.headers)).status_code == 200
    clock.now = datetime(2026, 6, 2, tzinfo=UTC)
    await run_lifecycle(apps)
    mine = await current(apps, owner)
    assert (mine["plan_code"], mine["status"], mine["max_students"]) == ("free", "active", 50)


async def test_a_tenant_sees_only_its_own_subscription(apps: Apps) -> None:
    owner = await register_owner(apps)
    other = await register_owner(apps)
    api = apps.client("subscription")
    resp = await api.get(f"{SUBSCRIPTIONS}/tenants/{other.tenant_id}", headers=owner.headers)
    assert resp.status_code == 403
    pay = await api.post(
        f"{SUBSCRIPTIONS}/tenants/{other.tenant_id}/payments",
        json={"amount_paise": 99_900, "reference": "x"},
        headers=owner.headers,
    )
    assert pay.status_code == 403
    assert (await current(apps, owner))["tenant_id"] == str(owner.tenant_id)
    staff = await create_platform_user(apps, staff=True)
    seen = await api.get(f"{SUBSCRIPTIONS}/tenants/{other.tenant_id}", headers=staff.headers)
    assert seen.status_code == 200 and seen.json()["tenant_id"] == str(other.tenant_id)
    assert (await api.get(f"{SUBSCRIPTIONS}/revenue", headers=owner.headers)).status_code == 403
