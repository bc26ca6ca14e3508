"""The platform's revenue view: MRR now, and new / expansion / contraction / churned /
reactivated MRR and trials by month."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import Apps
from tests.fixtures.subscriptions import (
    CURRENT,
    SUBSCRIPTIONS,
    Clock,
    pay_manually,
    pay_upgrade_invoice,
    run_lifecycle,
)
from tests.fixtures.users import LoggedIn, create_platform_user, register_owner


async def choose(apps: Apps, owner: LoggedIn, plan: str) -> None:
    resp = await apps.client("subscription").post(
        f"{CURRENT}/plan", json={"plan_code": plan}, headers=owner.headers
    )
    assert resp.status_code == 200, resp.text


async def test_mrr_movements_by_month(apps: Apps) -> None:
    admin = await create_platform_user(apps)
    a, b = await register_owner(apps), await register_owner(apps)
    clock = Clock(apps, datetime(2026, 4, 1, 6, tzinfo=UTC)).install()
    api = apps.client("subscription")
    await choose(apps, a, "starter")
    await choose(apps, b, "professional")
    assert (await pay_manually(apps, admin, a.tenant_id, 99_900)).status_code == 200
    assert (await pay_manually(apps, admin, b.tenant_id, 249_900)).status_code == 200

    clock.now = datetime(2026, 4, 16, 6, tzinfo=UTC)
    quote = await api.post(
        f"{CURRENT}/upgrade/quote", json={"plan_code": "professional"}, headers=a.headers
    )
    await api.post(
        f"{CURRENT}/upgrade",
        json={
            "plan_code": "professional",
            "expected_amount_paise": quote.json()["amount_due_paise"],
            "quoted_at": quote.json()["quoted_at"],
        },
        headers=a.headers,
    )
    assert (await pay_upgrade_invoice(apps, admin, a))["plan_code"] == "professional"
    await api.post(f"{CURRENT}/downgrade", json={"plan_code": "starter"}, headers=a.headers)

    clock.now = datetime(2026, 5, 1, 6, tzinfo=UTC)
    await run_lifecycle(apps)  # A: starter from now, unpaid; B: renewal due
    assert (await pay_manually(apps, admin, b.tenant_id, 249_900)).status_code == 200
    clock.now = datetime(2026, 5, 8, 6, tzinfo=UTC)
    await run_lifecycle(apps)  # A: read-only, churned
    clock.now = datetime(2026, 6, 2, 6, tzinfo=UTC)
    assert (await pay_manually(apps, admin, a.tenant_id, 99_900)).status_code == 200

    resp = await api.get(f"{SUBSCRIPTIONS}/revenue", headers=admin.headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["mrr_paise"], body["arr_paise"]) == (349_800, 12 * 349_800)
    by_month = {m["month"]: m for m in body["months"]}
    assert list(by_month) == ["2026-06", "2026-05", "2026-04"]
    april, may, june = by_month["2026-04"], by_month["2026-05"], by_month["2026-06"]
    assert (april["new_mrr_paise"], april["expansion_mrr_paise"]) == (349_800, 150_000)
    assert (april["trials_started"], april["trials_converted"]) == (2, 2)
    assert (may["contraction_mrr_paise"], may["churned_mrr_paise"]) == (-150_000, -99_900)
    assert may["net_new_mrr_paise"] == -249_900
    assert june["reactivation_mrr_paise"] == 99_900
    assert (await api.get(f"{SUBSCRIPTIONS}/revenue", headers=a.headers)).status_code == 403
