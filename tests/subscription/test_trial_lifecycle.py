"""A trial ends: read-only on day 15, suspended after the read-only grace; paying restores it."""

from __future__ import annotations

from datetime import UTC, datetime

from studyspot.kit.models import utcnow
from tests.conftest import Apps
from tests.fixtures.library import LIBRARIES, create_library, library_body
from tests.fixtures.subscriptions import (
    CURRENT,
    Clock,
    current,
    pay_manually,
    run_lifecycle,
)
from tests.fixtures.users import create_platform_user, register_owner


async def test_trial_is_read_only_on_day_15_and_suspended_after_grace(apps: Apps) -> None:
    owner = await register_owner(apps)
    admin = await create_platform_user(apps)
    clock = Clock(apps, utcnow()).install()
    library = await create_library(apps, owner)
    sub = await current(apps, owner)
    assert (sub["status"], sub["plan_code"], sub["max_students"]) == ("trial", "trial", 200)
    trial_end = datetime.fromisoformat(sub["trial_ends_at"])
    assert (trial_end - datetime.now(UTC)).days in (13, 14)

    # Reminders on D-3 and D-1, once each.
    clock.move(days=11, hours=1)
    await run_lifecycle(apps)
    await run_lifecycle(apps)
    clock.move(days=2)
    await run_lifecycle(apps)
    events = await _subscription_events(apps)
    assert [e["days_left"] for e in events if e["topic"] == "subscription.trial_ending"] == [3, 1]

    # Day 14: still writable.
    clock.move(hours=12)
    await run_lifecycle(apps)
    assert (await current(apps, owner))["status"] == "trial"

    # Day 15: read-only. Every write 403, every read 200, the subscription still reachable.
    clock.move(days=1)
    done = await run_lifecycle(apps)
    assert done.moved == {"subscription.trial_ended": 1}
    assert (await current(apps, owner))["status"] == "read_only"
    lib = apps.client("library")
    write = await lib.post(LIBRARIES, json=library_body(name="Second"), headers=owner.headers)
    assert write.status_code == 403 and write.json()["code"] == "tenant_read_only"
    patch = await lib.patch(
        f"{LIBRARIES}/{library['id']}", json={"name": "Renamed"}, headers=owner.headers
    )
    assert patch.status_code == 403 and patch.json()["code"] == "tenant_read_only"
    students = await apps.client("student").post("/api/v1/students", json={}, headers=owner.headers)
    assert students.status_code == 403 and students.json()["code"] == "tenant_read_only"
    assert (await lib.get(LIBRARIES, headers=owner.headers)).status_code == 200
    assert (await lib.get(f"{LIBRARIES}/{library['id']}", headers=owner.headers)).status_code == 200
    export = await apps.client("student").get("/api/v1/students/export", headers=owner.headers)
    assert export.status_code == 200, export.text
    chosen = await apps.client("subscription").post(
        f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=owner.headers
    )
    assert chosen.status_code == 200 and chosen.json()["amount_due_paise"] == 99_900

    # 30 days later: suspended; only the subscription answers.
    clock.move(days=30)
    done = await run_lifecycle(apps)
    assert done.moved == {"subscription.suspended": 1}
    refused = await lib.get(LIBRARIES, headers=owner.headers)
    assert refused.status_code == 403 and refused.json()["code"] == "tenant_suspended"
    assert (await current(apps, owner))["status"] == "suspended"

    # Paying exactly what is due reactivates at once, on the chosen plan; nothing was deleted.
    wrong = await pay_manually(apps, admin, owner.tenant_id, 100)
    assert wrong.status_code == 422 and wrong.json()["code"] == "amount_mismatch"
    paid = await pay_manually(apps, admin, owner.tenant_id, 99_900)
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["plan_code"]) == ("active", "starter")
    assert (await lib.get(f"{LIBRARIES}/{library['id']}", headers=owner.headers)).status_code == 200
    again = await lib.post(LIBRARIES, json=library_body(name="Second"), headers=owner.headers)
    assert again.status_code == 403 and again.json()["code"] == "plan_limit_reached"


async def test_the_job_runs_once_across_instances(apps: Apps) -> None:
    from studyspot.services.subscription.runtime import runtime_of
    from studyspot.services.subscription.tasks import Lifecycle

    await register_owner(apps)
    runtime = runtime_of(apps.app("subscription"))
    other = Lifecycle(runtime.kit.core, runtime.config, clock=runtime.now)
    first = await runtime.lifecycle.run_once()
    second = await other.run_once()
    assert first.ran and first.opened == 1 and not second.ran


async def _subscription_events(apps: Apps) -> list[dict[str, object]]:
    from sqlalchemy import select

    from studyspot.kit.models import core_outbox

    async with apps.app("subscription").state.kit.core.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(core_outbox.c.topic, core_outbox.c.payload).order_by(core_outbox.c.seq)
            )
        ).all()
    return [{"topic": t, **p} for t, p in rows if t.startswith("subscription.")]
