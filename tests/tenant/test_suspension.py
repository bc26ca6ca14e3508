"""Suspending a tenant locks its users out at once; reactivating lets them back in; both audited."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import select

from studyspot.kit.models import core_audit_logs
from tests.conftest import Apps
from tests.fixtures.users import LoggedIn


async def _core_audit(
    apps: Apps, tenant_id: uuid.UUID | None, action: str
) -> list[dict[str, object]]:
    async with apps.app("tenant").state.kit.core.engine.connect() as conn:
        rows = await conn.execute(
            select(core_audit_logs).where(
                core_audit_logs.c.tenant_id == tenant_id, core_audit_logs.c.action == action
            )
        )
        return [dict(r._mapping) for r in rows]


async def test_suspended_tenants_tokens_stop_working_and_the_suspension_is_audited(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    admin: LoggedIn,
    owner: LoggedIn,
    other_owner: LoggedIn,
) -> None:
    assert (await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)).status_code == 200

    resp = await tenant_api.post(
        f"/api/v1/tenants/{owner.tenant_id}/suspend",
        json={"reason": "Chargeback on the platform invoice"},
        headers=admin.headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "suspended"
    assert body["suspension_reason"] == "Chargeback on the platform invoice"
    assert body["suspended_at"] is not None

    locked_out = await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)
    assert locked_out.status_code == 401
    assert locked_out.json()["code"] == "tenant_suspended"
    # Other tenants carry on.
    assert (
        await tenant_api.get("/api/v1/tenants/me", headers=other_owner.headers)
    ).status_code == 200

    [entry] = await _core_audit(apps, owner.tenant_id, "tenant.suspended")
    assert entry["actor_id"] == admin.user_id
    assert entry["actor_type"] == "platform_admin"
    assert entry["details"] == {"reason": "Chargeback on the platform invoice"}


async def test_reactivated_tenant_is_active_again_and_its_users_get_in_again(
    apps: Apps, tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    path = f"/api/v1/tenants/{owner.tenant_id}"
    await tenant_api.post(f"{path}/suspend", json={"reason": "KYC pending"}, headers=admin.headers)
    resp = await tenant_api.post(f"{path}/reactivate", headers=admin.headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["status"], body["suspended_at"], body["suspension_reason"]) == (
        "active",
        None,
        None,
    )
    assert (await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)).status_code == 200
    [entry] = await _core_audit(apps, owner.tenant_id, "tenant.reactivated")
    assert entry["actor_id"] == admin.user_id


async def test_reactivation_leaves_the_subscription_where_it_was(
    apps: Apps, tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    """The tenant's status no longer follows a plan: a trial stays the subscription's."""
    path = f"/api/v1/tenants/{owner.tenant_id}"
    await tenant_api.post(f"{path}/suspend", json={"reason": "abuse report"}, headers=admin.headers)
    resp = await tenant_api.post(f"{path}/reactivate", headers=admin.headers)
    assert resp.json()["status"] == "active"
    sub = await apps.client("subscription").get(
        f"/api/v1/subscriptions/tenants/{owner.tenant_id}", headers=admin.headers
    )
    assert (sub.json()["status"], sub.json()["plan_code"]) == ("trial", "trial")


async def test_suspending_twice_or_reactivating_an_active_tenant_is_a_conflict(
    tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    path = f"/api/v1/tenants/{owner.tenant_id}"
    not_suspended = await tenant_api.post(f"{path}/reactivate", headers=admin.headers)
    assert (not_suspended.status_code, not_suspended.json()["code"]) == (409, "not_suspended")
    await tenant_api.post(f"{path}/suspend", json={"reason": "first"}, headers=admin.headers)
    again = await tenant_api.post(
        f"{path}/suspend", json={"reason": "second"}, headers=admin.headers
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_suspended")
    kept = await tenant_api.get(path, headers=admin.headers)
    assert kept.json()["suspension_reason"] == "first"


async def test_two_admins_suspending_at_once_one_wins_the_other_gets_409(
    tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    path = f"/api/v1/tenants/{owner.tenant_id}/suspend"
    answers = await asyncio.gather(
        *(
            tenant_api.post(path, json={"reason": f"race {i}"}, headers=admin.headers)
            for i in range(4)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"already_suspended"}


async def test_suspension_needs_a_reason(
    tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    path = f"/api/v1/tenants/{owner.tenant_id}/suspend"
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}):
        resp = await tenant_api.post(path, json=body, headers=admin.headers)
        assert resp.status_code == 422
        assert [e["field"] for e in resp.json()["errors"]] == ["body.reason"]
    assert (await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)).status_code == 200
