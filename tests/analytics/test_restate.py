"""Analytics started after the libraries and subscriptions last changed: the platform's
seats and MRR come from `studyspot library restate-capacity` and `studyspot subscription
restate`, which publish the state as it stands; restated twice, nothing is counted twice."""

from __future__ import annotations

import uuid

from studyspot.kit.events import Event
from studyspot.kit.models import utcnow
from studyspot.services.analytics.platform import INDIA
from studyspot.services.library.capacity import restate_all as restate_capacity
from studyspot.services.subscription.service import restate_all as restate_subscriptions
from tests.analytics.test_platform import PLATFORM, published, three_seats_on_professional
from tests.conftest import Apps
from tests.fixtures.analytics import feed
from tests.fixtures.users import create_platform_user


async def _restated(apps: Apps, tenant_id: uuid.UUID, before: set[uuid.UUID]) -> list[Event]:
    kit = apps.app("library").state.kit
    assert await restate_capacity(kit.core, kit.tenants, tenant_id) == 1
    assert await restate_subscriptions(apps.app("subscription").state.kit.core) >= 1
    return [e for e in await published(apps, {tenant_id}) if e.id not in before]


async def test_restated_capacity_and_subscriptions_fill_the_platform_figures_once(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    owner = await three_seats_on_professional(apps, admin)
    assert owner.tenant_id is not None
    month = utcnow().astimezone(INDIA).strftime("%Y-%m")

    async def platform_row() -> dict[str, int]:
        resp = await apps.client("analytics").get(
            PLATFORM, params={"from": month, "to": month}, headers=admin.headers
        )
        assert resp.status_code == 200, resp.text
        [row] = resp.json()["months"]
        return {k: row[k] for k in ("active_seats", "mrr_paise")}

    # Analytics never saw what happened before it began: no seats, no MRR.
    before = {e.id for e in await published(apps, {owner.tenant_id})}
    assert await platform_row() == {"active_seats": 0, "mrr_paise": 0}

    first = await _restated(apps, owner.tenant_id, before)
    assert {e.topic for e in first} == {"library.capacity_changed", "subscription.restated"}
    await feed(apps, first)
    expected = {"active_seats": 3, "mrr_paise": 2_499_000 // 12}
    assert await platform_row() == expected

    # A second restatement (an operator running it again) counts nothing twice.
    second = await _restated(apps, owner.tenant_id, before | {e.id for e in first})
    assert len(second) == 2
    await feed(apps, second)
    assert await platform_row() == expected
