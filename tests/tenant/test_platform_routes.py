"""Platform admins manage tenants at /api/v1/tenants; platform staff may only look."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from studyspot.services.tenant.models import Tenant
from tests.conftest import Apps
from tests.fixtures.users import LoggedIn

# The subscription service's, never the tenant API's (issue 15).
PLAN_FIELDS = {"plan_code", "trial_ends_at", "max_libraries", "max_seats", "max_students"}


async def _create(api: httpx.AsyncClient, admin: LoggedIn, **body: Any) -> dict[str, Any]:
    body.setdefault("contact_email", f"desk-{uuid.uuid4().hex[:6]}@example.com")
    resp = await api.post("/api/v1/tenants", json=body, headers=admin.headers)
    assert resp.status_code == 201, resp.text
    created: dict[str, Any] = resp.json()
    return created


async def _tenant_count(apps: Apps) -> int:
    async with apps.app("tenant").state.kit.core.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Tenant)) or 0)


async def test_admin_creates_a_tenant_whose_subscription_starts_on_the_trial_plan(
    apps: Apps, tenant_api: httpx.AsyncClient, admin: LoggedIn
) -> None:
    created = await _create(
        tenant_api,
        admin,
        name="Saraswati Reading Room",
        phone="98765 43210",
        gstin="27aapfu0939f1zv",
    )
    assert created["status"] == "active"
    assert created["slug"].startswith("saraswati-reading-room-")
    assert created["phone"] == "+919876543210"
    assert created["gstin"] == "27AAPFU0939F1ZV"
    assert created["database_key"] is None
    assert not PLAN_FIELDS & created.keys()
    resp = await tenant_api.get(f"/api/v1/tenants/{created['id']}", headers=admin.headers)
    assert resp.status_code == 200
    assert resp.json() == created
    # The trial (plan, limits, end) is the subscription service's, from the creation on.
    sub = await apps.client("subscription").get(
        f"/api/v1/subscriptions/tenants/{created['id']}", headers=admin.headers
    )
    assert sub.status_code == 200, sub.text
    body = sub.json()
    assert (body["status"], body["plan_code"]) == ("trial", "trial")
    assert (body["max_libraries"], body["max_seats"], body["max_students"]) == (1, 100, 200)
    began = datetime.fromisoformat(created["created_at"])
    assert datetime.fromisoformat(body["trial_ends_at"]) == began + timedelta(days=14)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "", "contact_email": "x@example.com"}, {"body.name"}),
        ({"name": "X", "contact_email": "nope"}, {"body.contact_email"}),
        (
            {"name": "X", "contact_email": "x@example.com", "gstin": "27AAPFU0939F1ZX"},
            {"body.gstin"},
        ),
        ({"name": "X", "contact_email": "x@example.com", "status": "active"}, {"body.status"}),
        (
            {"name": "X", "contact_email": "x@example.com", "database_key": "t"},
            {"body.database_key"},
        ),
        ({"contact_email": "x@example.com"}, {"body.name"}),
    ],
)
async def test_bad_tenant_is_refused_with_field_errors_and_nothing_is_written(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    admin: LoggedIn,
    body: dict[str, Any],
    fields: set[str],
) -> None:
    before = await _tenant_count(apps)
    resp = await tenant_api.post("/api/v1/tenants", json=body, headers=admin.headers)
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in resp.json()["errors"]} == fields
    assert await _tenant_count(apps) == before


async def test_admin_searches_filters_sorts_and_pages_tenants(
    tenant_api: httpx.AsyncClient, admin: LoggedIn
) -> None:
    names = ["Akshar Library", "Bodhi Study Hall", "Chanakya Library", "Dhruv Reading Room"]
    made = {n: await _create(tenant_api, admin, name=n) for n in names}
    await tenant_api.post(
        f"/api/v1/tenants/{made['Chanakya Library']['id']}/suspend",
        json={"reason": "unpaid platform fees"},
        headers=admin.headers,
    )

    async def listing(**params: Any) -> dict[str, Any]:
        resp = await tenant_api.get("/api/v1/tenants", params=params, headers=admin.headers)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    found = await listing(q="library", sort="name")
    assert [t["name"] for t in found["items"]] == ["Akshar Library", "Chanakya Library"]
    assert found["total"] == 2
    suspended = await listing(status="suspended")
    assert [t["name"] for t in suspended["items"]] == ["Chanakya Library"]
    both = await listing(status=["suspended", "active"], sort="-name", page=2, page_size=3)
    assert both["total"] == 4
    assert (both["page"], both["page_size"]) == (2, 3)
    assert [t["name"] for t in both["items"]] == ["Akshar Library"]
    newest_first = await listing()
    assert [t["name"] for t in newest_first["items"]] == list(reversed(names))
    by_slug = await listing(q=made["Bodhi Study Hall"]["slug"])
    assert [t["name"] for t in by_slug["items"]] == ["Bodhi Study Hall"]
    # A LIKE wildcard in the search is a literal character, not "anything".
    assert (await listing(q="%"))["total"] == 0


async def test_listing_refuses_an_unknown_sort_or_status(
    tenant_api: httpx.AsyncClient, admin: LoggedIn
) -> None:
    for params in (
        {"sort": "contact_email"},
        {"status": "deleted"},
        {"status": "trial"},
        {"page_size": 201},
    ):
        resp = await tenant_api.get("/api/v1/tenants", params=params, headers=admin.headers)
        assert resp.status_code == 422, params


async def test_the_plan_and_limits_are_not_the_tenant_apis_to_offer_or_change(
    apps: Apps, tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    """They are the subscription service's (PATCH .../subscriptions/tenants/{id}/limits):
    naming one here is refused like any unknown field, and nothing changes."""
    path = f"/api/v1/tenants/{owner.tenant_id}"
    for field, value in (
        ("max_libraries", 5),
        ("max_seats", 500),
        ("max_students", 1000),
        ("plan_code", "professional"),
        ("trial_ends_at", None),
    ):
        resp = await tenant_api.patch(
            path, json={"name": "Renamed", field: value}, headers=admin.headers
        )
        assert resp.status_code == 422, (field, resp.text)
        assert resp.json()["errors"] == [{"field": f"body.{field}", "message": "Unknown field"}]
    unchanged = await tenant_api.get(path, headers=admin.headers)
    assert unchanged.json()["name"] == "Lakshya Library"
    assert not PLAN_FIELDS & unchanged.json().keys()
    sub = await apps.client("subscription").get(
        f"/api/v1/subscriptions/tenants/{owner.tenant_id}", headers=admin.headers
    )
    body = sub.json()
    assert (body["plan_code"], body["max_libraries"], body["max_students"]) == ("trial", 1, 200)

    schemas = tenant_api.get("/openapi.json")
    document = (await schemas).json()["components"]["schemas"]
    for name in ("TenantRead", "OwnTenantRead", "TenantOwnerUpdate", "TenantCreate"):
        assert not PLAN_FIELDS & document[name]["properties"].keys(), name
    assert "TenantAdminUpdate" not in document
    assert "trial" not in document["TenantRead"]["properties"]["status"]["enum"]


async def test_admin_cannot_null_the_name(
    tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    resp = await tenant_api.patch(
        f"/api/v1/tenants/{owner.tenant_id}", json={"name": None}, headers=admin.headers
    )
    assert resp.status_code == 422
    assert [e["field"] for e in resp.json()["errors"]] == ["body.name"]
    unchanged = await tenant_api.get(f"/api/v1/tenants/{owner.tenant_id}", headers=admin.headers)
    assert unchanged.json()["name"] == "Lakshya Library"


async def test_unknown_tenant_is_a_404(tenant_api: httpx.AsyncClient, admin: LoggedIn) -> None:
    missing = uuid.uuid4()
    for method, path, body in (
        ("GET", f"/api/v1/tenants/{missing}", None),
        ("PATCH", f"/api/v1/tenants/{missing}", {"name": "X"}),
        ("POST", f"/api/v1/tenants/{missing}/suspend", {"reason": "test"}),
        ("POST", f"/api/v1/tenants/{missing}/reactivate", None),
        ("POST", f"/api/v1/tenants/{missing}/dedicated-database", None),
        ("GET", f"/api/v1/tenants/{missing}/audit-logs", None),
    ):
        resp = await tenant_api.request(method, path, json=body, headers=admin.headers)
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["code"] == "tenant_not_found"


async def test_platform_staff_may_look_but_not_change(
    tenant_api: httpx.AsyncClient, staff: LoggedIn, owner: LoggedIn
) -> None:
    assert (await tenant_api.get("/api/v1/tenants", headers=staff.headers)).status_code == 200
    path = f"/api/v1/tenants/{owner.tenant_id}"
    assert (await tenant_api.get(path, headers=staff.headers)).status_code == 200
    assert (await tenant_api.get(f"{path}/audit-logs", headers=staff.headers)).status_code == 200
    for method, url, body in (
        ("POST", "/api/v1/tenants", {"name": "X", "contact_email": "x@example.com"}),
        ("PATCH", path, {"name": "Taken over"}),
        ("POST", f"{path}/suspend", {"reason": "staff tries"}),
        ("POST", f"{path}/reactivate", None),
        ("POST", f"{path}/dedicated-database", None),
    ):
        resp = await tenant_api.request(method, url, json=body, headers=staff.headers)
        assert resp.status_code == 403, (method, url)
        assert resp.json()["code"] == "permission_denied"


async def test_owner_cannot_use_platform_routes(
    tenant_api: httpx.AsyncClient, owner: LoggedIn
) -> None:
    path = f"/api/v1/tenants/{owner.tenant_id}"
    for method, url, body in (
        ("GET", "/api/v1/tenants", None),
        ("POST", "/api/v1/tenants", {"name": "X", "contact_email": "x@example.com"}),
        ("GET", path, None),
        ("PATCH", path, {"name": "Taken over"}),
        ("POST", f"{path}/suspend", {"reason": "self"}),
        ("POST", f"{path}/dedicated-database", None),
    ):
        resp = await tenant_api.request(method, url, json=body, headers=owner.headers)
        assert resp.status_code == 403, (method, url)


async def test_requests_without_a_valid_token_are_401(tenant_api: httpx.AsyncClient) -> None:
    assert (await tenant_api.get("/api/v1/tenants")).status_code == 401
    resp = await tenant_api.get("/api/v1/tenants/me", headers={"Authorization": "Bearer x.y.z"})
    assert resp.status_code == 401
