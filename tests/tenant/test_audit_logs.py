"""A tenant's audit log: platform entries and the tenant database's own, merged newest first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert

from studyspot.kit.models import core_audit_logs, tenant_audit_logs
from tests.conftest import Apps
from tests.fixtures.users import LoggedIn

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _entry(
    tenant_id: uuid.UUID | None, minute: int, action: str, outcome: str = "success"
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "actor_id": None,
        "actor_type": "library_owner",
        "action": action,
        "resource_type": "test",
        "resource_id": None,
        "outcome": outcome,
        "ip": None,
        "request_id": None,
        "details": {"minute": minute},
        "created_at": T0 + timedelta(minutes=minute),
    }


async def _seed(apps: Apps, tenant_id: uuid.UUID, other: uuid.UUID) -> None:
    """Platform entries at even minutes, the tenant database's at odd ones, plus noise."""
    state = apps.app("tenant").state.kit
    async with state.core.engine.begin() as conn:
        await conn.execute(
            insert(core_audit_logs),
            [
                _entry(tenant_id, m, "auth.login", "failure" if m == 4 else "success")
                for m in (0, 2, 4)
            ]
            + [_entry(other, 3, "auth.login"), _entry(None, 5, "platform.boot")],
        )
    async with state.tenants.shared.engine.begin() as conn:
        await conn.execute(
            insert(tenant_audit_logs),
            [_entry(tenant_id, m, "booking.confirmed") for m in (1, 3, 5)]
            + [_entry(other, 6, "booking.confirmed")],
        )


async def _read(
    api: httpx.AsyncClient, who: LoggedIn, tenant_id: uuid.UUID, **params: Any
) -> dict[str, Any]:
    resp = await api.get(
        f"/api/v1/tenants/{tenant_id}/audit-logs", params=params, headers=who.headers
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _minutes(page: dict[str, Any]) -> list[int]:
    return [e["details"]["minute"] for e in page["items"]]


async def test_admin_reads_both_logs_merged_newest_first(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    admin: LoggedIn,
    owner: LoggedIn,
    other_owner: LoggedIn,
) -> None:
    assert owner.tenant_id and other_owner.tenant_id
    await _seed(apps, owner.tenant_id, other_owner.tenant_id)
    window = {"since": T0.isoformat(), "until": (T0 + timedelta(hours=1)).isoformat()}

    everything = await _read(tenant_api, admin, owner.tenant_id, **window)
    assert _minutes(everything) == [5, 4, 3, 2, 1, 0]
    assert [e["source"] for e in everything["items"]] == ["tenant", "platform"] * 3
    assert everything["total"] == 6

    first = await _read(tenant_api, admin, owner.tenant_id, page_size=4, **window)
    second = await _read(tenant_api, admin, owner.tenant_id, page=2, page_size=4, **window)
    assert (_minutes(first), _minutes(second)) == ([5, 4, 3, 2], [1, 0])
    assert first["total"] == second["total"] == 6


async def test_audit_log_filters_by_action_outcome_and_time(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    admin: LoggedIn,
    owner: LoggedIn,
    other_owner: LoggedIn,
) -> None:
    assert owner.tenant_id and other_owner.tenant_id
    await _seed(apps, owner.tenant_id, other_owner.tenant_id)
    logins = await _read(tenant_api, admin, owner.tenant_id, action="auth.login")
    assert _minutes(logins) == [4, 2, 0]
    failures = await _read(tenant_api, admin, owner.tenant_id, outcome="failure")
    assert _minutes(failures) == [4]
    middle = await _read(
        tenant_api,
        admin,
        owner.tenant_id,
        since=(T0 + timedelta(minutes=2)).isoformat(),
        until=(T0 + timedelta(minutes=4)).isoformat(),
    )
    assert _minutes(middle) == [3, 2]


async def test_owner_reads_its_own_audit_log_including_what_the_platform_did(
    apps: Apps, tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    assert owner.tenant_id
    await tenant_api.patch(
        f"/api/v1/tenants/{owner.tenant_id}",
        json={"contact_email": "desk@lakshya.in"},
        headers=admin.headers,
    )
    page = await _read(tenant_api, owner, owner.tenant_id, action="tenant.updated")
    [entry] = page["items"]
    assert entry["source"] == "platform"
    assert entry["actor_id"] == str(admin.user_id)
    assert entry["details"] == {"fields": ["contact_email"]}


async def test_audit_log_refuses_a_time_without_offset(
    tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    resp = await tenant_api.get(
        f"/api/v1/tenants/{owner.tenant_id}/audit-logs",
        params={"since": "2026-03-01T09:00:00"},
        headers=admin.headers,
    )
    assert resp.status_code == 422
    assert [e["field"] for e in resp.json()["errors"]] == ["query.since"]


async def test_audit_log_refuses_a_unix_time_where_a_date_time_belongs(
    tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    for value in ("0.5", "1700000000"):
        resp = await tenant_api.get(
            f"/api/v1/tenants/{owner.tenant_id}/audit-logs",
            params={"until": value},
            headers=admin.headers,
        )
        assert resp.status_code == 422, value


async def test_audit_log_pages_on_by_cursor_through_both_logs(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    admin: LoggedIn,
    owner: LoggedIn,
    other_owner: LoggedIn,
) -> None:
    assert owner.tenant_id and other_owner.tenant_id
    await _seed(apps, owner.tenant_id, other_owner.tenant_id)
    window = {"since": T0.isoformat(), "until": (T0 + timedelta(hours=1)).isoformat()}
    seen: list[list[int]] = []
    page = await _read(tenant_api, admin, owner.tenant_id, page_size=4, **window)
    seen.append(_minutes(page))
    while page["next_after"] is not None:
        page = await _read(
            tenant_api, admin, owner.tenant_id, page_size=4, after=page["next_after"], **window
        )
        assert page["total"] == 6
        seen.append(_minutes(page))
    assert seen == [[5, 4, 3, 2], [1, 0]]
    # Two entries at the same instant are told apart by id, neither lost nor repeated.
    same = await _read(tenant_api, admin, owner.tenant_id, page_size=1, **window)
    assert same["next_after"] is not None


async def test_page_one_million_of_the_audit_log_is_refused_at_once_naming_the_cap(
    apps: Apps, tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    # Offset paging reads every entry before the page from both databases; page
    # 1,000,000 of 200 would read 200 million rows per database.
    resp = await tenant_api.get(
        f"/api/v1/tenants/{owner.tenant_id}/audit-logs",
        params={"page": 1_000_000, "page_size": 200},
        headers=admin.headers,
    )
    assert resp.status_code == 422
    body = resp.json()
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert body["code"] in ("page_too_deep", "validation_error")
    assert "10,000" in body["detail"] or "10000" in resp.text
    deepest = await tenant_api.get(
        f"/api/v1/tenants/{owner.tenant_id}/audit-logs",
        params={"page": 51, "page_size": 200},
        headers=admin.headers,
    )
    assert deepest.status_code == 422
    assert deepest.json()["code"] == "page_too_deep"


async def test_a_forged_or_garbled_audit_cursor_is_a_422_not_a_500(
    tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    for cursor in ("not-a-cursor", "bm90fGEtdXVpZA", "MjAyNi0wMy0wMVQwOTowMDowMHx4eHg"):
        resp = await tenant_api.get(
            f"/api/v1/tenants/{owner.tenant_id}/audit-logs",
            params={"after": cursor},
            headers=admin.headers,
        )
        assert resp.status_code == 422, cursor
        assert resp.json()["code"] == "invalid_cursor"
    both = await tenant_api.get(
        f"/api/v1/tenants/{owner.tenant_id}/audit-logs",
        params={"after": "bm90fGEtdXVpZA", "page": 2},
        headers=admin.headers,
    )
    assert both.status_code == 422
    assert both.json()["code"] == "cursor_with_page"


async def test_the_audit_log_openapi_names_the_offset_cap_and_the_cursor(apps: Apps) -> None:
    schema = apps.app("tenant").openapi()
    operation = schema["paths"]["/api/v1/tenants/{tenant_id}/audit-logs"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert params["page"]["schema"]["maximum"] == 10_000
    assert "10,000" in params["page"]["description"]
    assert "after" in params
    assert "422" in operation["responses"]
