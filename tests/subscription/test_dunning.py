"""An unpaid renewal: past due, notices D+1, D+3 and D+7, grace, read-only, then suspended;
nothing is deleted, and paying restores it at once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from studyspot.kit.models import core_outbox
from tests.conftest import Apps
from tests.fixtures.library import LIBRARIES, create_library
from tests.fixtures.subscriptions import CURRENT, Clock, current, pay_manually, run_lifecycle
from tests.fixtures.users import create_platform_user, register_owner


async def test_dunning_notices_then_read_only_then_suspended(apps: Apps) -> None:
    admin = await create_platform_user(apps)
    owner = await register_owner(apps)
    clock = Clock(apps, datetime(2026, 4, 1, tzinfo=UTC)).install()
    library = await create_library(apps, owner)
    await apps.client("subscription").post(
        f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=owner.headers
    )
    assert (await pay_manually(apps, admin, owner.tenant_id, 99_900)).status_code == 200

    seen = []
    for day, status in (
        ("2026-05-01T00:00:00", "past_due"),
        ("2026-05-02T00:00:00", "past_due"),
        ("2026-05-04T00:00:00", "grace"),
        ("2026-05-07T23:00:00", "grace"),
        ("2026-05-08T00:00:00", "read_only"),
        ("2026-06-06T23:00:00", "read_only"),
        ("2026-06-07T00:00:00", "suspended"),
    ):
        clock.now = datetime.fromisoformat(day).replace(tzinfo=UTC)
        await run_lifecycle(apps)
        seen.append((await current(apps, owner))["status"])
        assert seen[-1] == status, (day, seen)

    async with apps.app("subscription").state.kit.core.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(core_outbox.c.payload)
                .where(core_outbox.c.topic == "subscription.dunning_notice")
                .order_by(core_outbox.c.seq)
            )
        ).all()
    assert [r[0]["day"] for r in rows] == [1, 3, 7]

    paid = await pay_manually(apps, admin, owner.tenant_id, 99_900)
    assert paid.status_code == 200 and paid.json()["status"] == "active"
    got = await apps.client("library").get(f"{LIBRARIES}/{library['id']}", headers=owner.headers)
    assert got.status_code == 200
