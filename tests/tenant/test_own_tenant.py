"""An owner reads and edits its own tenant at /api/v1/tenants/me, and nobody else's."""

from __future__ import annotations

import httpx

from tests.fixtures.users import LoggedIn


async def test_owner_reads_its_own_tenant(tenant_api: httpx.AsyncClient, owner: LoggedIn) -> None:
    resp = await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)
    assert resp.status_code == 200
    body = resp.json()
    assert body["id"] == str(owner.tenant_id)
    assert body["slug"] == owner.tenant_slug
    assert body["name"] == "Lakshya Library"
    assert body["contact_email"] == owner.email
    # Where the data lives and why a tenant was suspended are the platform's business.
    assert "database_key" not in body and "suspension_reason" not in body


async def test_owner_updates_contact_details_and_clears_its_gstin(
    tenant_api: httpx.AsyncClient, owner: LoggedIn, other_owner: LoggedIn
) -> None:
    resp = await tenant_api.patch(
        "/api/v1/tenants/me",
        json={
            "name": "Lakshya Library & Study Hub",
            "phone": "+91 99887 76655",
            "gstin": "07AAGFF2194N1Z1",
        },
        headers=owner.headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["name"], body["phone"], body["gstin"]) == (
        "Lakshya Library & Study Hub",
        "+919988776655",
        "07AAGFF2194N1Z1",
    )
    assert body["slug"] == owner.tenant_slug  # staff and student logins keep working

    cleared = await tenant_api.patch(
        "/api/v1/tenants/me", json={"gstin": None}, headers=owner.headers
    )
    assert cleared.json()["gstin"] is None
    assert cleared.json()["phone"] == "+919988776655"

    untouched = await tenant_api.get("/api/v1/tenants/me", headers=other_owner.headers)
    assert untouched.json()["name"] == "Gyan Deep Study Point"


async def test_owner_cannot_change_its_own_plan_or_limits(
    tenant_api: httpx.AsyncClient, owner: LoggedIn
) -> None:
    for body in ({"max_students": 100000}, {"plan_code": "enterprise"}, {"status": "closed"}):
        resp = await tenant_api.patch("/api/v1/tenants/me", json=body, headers=owner.headers)
        assert resp.status_code == 422
        assert resp.json()["errors"][0]["message"] == "Unknown field"
    unchanged = await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)
    assert unchanged.json()["status"] == "active"
    assert not {"max_students", "plan_code"} & unchanged.json().keys()


async def test_platform_admin_has_no_own_tenant(
    tenant_api: httpx.AsyncClient, admin: LoggedIn
) -> None:
    resp = await tenant_api.get("/api/v1/tenants/me", headers=admin.headers)
    assert resp.status_code == 403


async def test_owner_cannot_see_other_tenants_audit_log(
    tenant_api: httpx.AsyncClient, owner: LoggedIn, other_owner: LoggedIn
) -> None:
    own = await tenant_api.get(
        f"/api/v1/tenants/{owner.tenant_id}/audit-logs", headers=owner.headers
    )
    assert own.status_code == 200
    other = await tenant_api.get(
        f"/api/v1/tenants/{other_owner.tenant_id}/audit-logs", headers=owner.headers
    )
    assert other.status_code == 404
    assert other.json()["code"] == "tenant_not_found"
