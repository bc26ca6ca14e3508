"""Platform KPIs: every tenant's read models summed for the platform's admins and staff."""

from __future__ import annotations

from tests.analytics.test_month import library_of
from tests.conftest import Apps
from tests.fixtures.analytics import feed
from tests.fixtures.users import create_platform_user

PLATFORM = "/api/v1/analytics/platform"


async def test_platform_kpis_add_up_every_tenants_month(apps: Apps) -> None:
    a = await library_of(apps)
    b = await library_of(apps)
    await feed(apps, a.events)
    await feed(apps, b.events)
    admin = await create_platform_user(apps)
    resp = await apps.client("analytics").get(
        PLATFORM, params={"from": "2026-11", "to": "2026-11"}, headers=admin.headers
    )
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert sum(report["tenants_by_status"].values()) == 2
    # Each tenant's November (tests/analytics/test_month.py): six bookings billed (B1r, B6,
    # B3, B5, B7, B9) for 7,900; 5,400 collected on November's Indian days.
    assert report["months"] == [
        {
            "month": "2026-11",
            "active_tenants": 2,
            "active_libraries": 2,
            "bookings": 12,
            "billed_paise": 1_580_000,
            "collected_paise": 1_080_000,
        }
    ]
    assert {t["tenant_id"] for t in report["top_tenants"]} == {
        str(a.owner.tenant_id),
        str(b.owner.tenant_id),
    }
    assert all(t["collected_paise"] == 540_000 for t in report["top_tenants"])
    assert report["as_of"].startswith("2026-11-30T")

    staff = await create_platform_user(apps, staff=True)
    csv = await apps.client("analytics").get(
        PLATFORM,
        params={"from": "2026-10", "to": "2026-11", "format": "csv"},
        headers=staff.headers,
    )
    assert csv.status_code == 200
    assert csv.text.splitlines()[0].startswith("month,active_tenants")
    assert len(csv.text.splitlines()) == 3


async def test_a_tenants_owner_may_not_read_the_platform(apps: Apps) -> None:
    a = await library_of(apps)
    resp = await apps.client("analytics").get(PLATFORM, headers=a.owner.headers)
    assert resp.status_code == 403
    assert resp.json()["code"] == "permission_denied"
