"""Razorpay webhooks are deduplicated on what the signature covers, and refusals are
counted in metrics but audited at most once per source and minute."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select

from studyspot.kit.models import audit_logs, outbox_events
from studyspot.kit.once import OncePerWindow
from studyspot.services.payment.webhooks import Refusals
from tests.conftest import Apps
from tests.fixtures.payments import (
    Fakes,
    Tenant,
    connect_razorpay,
    created,
    deliver,
    get_payment,
)


async def _order(apps: Apps, fakes: Fakes, tenant: Tenant) -> dict[str, Any]:
    await connect_razorpay(apps, tenant, fakes)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    return await created(apps, tenant.student, booking, "razorpay")


async def _captured_events(apps: Apps, tenant_id: uuid.UUID) -> int:
    db = apps.app("payment").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox_events.c.topic).where(outbox_events.c.tenant_id == tenant_id)
        )
        return [r.topic for r in rows].count("payment.captured")


async def _refused_rows(apps: Apps) -> list[Any]:
    db = apps.app("payment").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(audit_logs).where(audit_logs.c.action == "payment.webhook_refused")
        )
        return list(rows)


async def _refused_metric(apps: Apps, reason: str) -> float:
    text = (await apps.client("payment").get("/metrics")).text
    found = re.search(
        rf'payment_webhooks_refused_total\{{provider="razorpay",reason="{reason}"\}} ([0-9.]+)',
        text,
    )
    return float(found.group(1)) if found else 0.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_020.0

    def __call__(self) -> float:
        return self.now


def _fresh_refusals(apps: Apps) -> Clock:
    """The app outlives one test: start the audit gate anew, on a clock the test moves."""
    clock = Clock()
    refusals: Refusals = apps.app("payment").state.webhook_refusals
    refusals.audited = OncePerWindow(60.0, clock=clock)
    return clock


async def test_replay_with_a_new_event_id_header_but_the_same_signed_body_is_a_duplicate(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment = await _order(apps, fakes, tenant)
    answer = fakes.razorpay.checkout(payment["checkout"]["order_id"])
    raw, headers = fakes.razorpay.webhook(
        "payment.captured", payment_id=answer["razorpay_payment_id"], event_id="evt_first"
    )
    assert (await deliver(apps, "razorpay", raw, headers)).json()["status"] == "processed"
    for n in range(3):
        replay = {**headers, "X-Razorpay-Event-Id": f"evt_replayed_{n}"}
        resp = await deliver(apps, "razorpay", raw, replay)
        assert resp.status_code == 200 and resp.json()["status"] == "duplicate"
    without_header = {k: v for k, v in headers.items() if k != "X-Razorpay-Event-Id"}
    assert (await deliver(apps, "razorpay", raw, without_header)).json()["status"] == "duplicate"
    assert await _captured_events(apps, tenant.tenant_id) == 1


async def test_two_signed_events_with_the_same_event_id_header_are_both_processed(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    payment = await _order(apps, fakes, tenant)
    order_id = payment["checkout"]["order_id"]
    # The student's first attempt fails, the second succeeds; both webhooks carry one
    # header id (a replayer's reuse, or a proxy's): the second must not be dropped.
    first = fakes.razorpay.checkout(order_id, succeed=False)
    failed = fakes.razorpay.webhook(
        "payment.failed", payment_id=first["razorpay_payment_id"], event_id="evt_same"
    )
    assert (await deliver(apps, "razorpay", *failed)).json()["status"] == "processed"
    second = fakes.razorpay.checkout(order_id)
    captured = fakes.razorpay.webhook(
        "payment.captured", payment_id=second["razorpay_payment_id"], event_id="evt_same"
    )
    assert (await deliver(apps, "razorpay", *captured)).json()["status"] == "processed"
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "captured"
    assert await _captured_events(apps, tenant.tenant_id) == 1


async def test_refused_webhooks_are_counted_and_audited_once_per_source_per_minute(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    clock = _fresh_refusals(apps)
    payment = await _order(apps, fakes, tenant)
    answer = fakes.razorpay.checkout(payment["checkout"]["order_id"])
    raw, headers = fakes.razorpay.webhook(
        "payment.captured", payment_id=answer["razorpay_payment_id"], secret="not-the-secret"
    )
    before = await _refused_metric(apps, "signature")
    for _ in range(5):
        assert (await deliver(apps, "razorpay", raw, headers)).status_code == 400
    elsewhere = {**headers, "X-StudySpot-Client-IP": "198.51.100.7"}
    for _ in range(3):
        assert (await deliver(apps, "razorpay", raw, elsewhere)).status_code == 400
    unknown = raw.replace(payment["checkout"]["order_id"].encode(), b"order_not_ours")
    assert (await deliver(apps, "razorpay", unknown, headers)).status_code == 400

    assert await _refused_metric(apps, "signature") == before + 8
    assert await _refused_metric(apps, "unknown_order") >= 1
    rows = await _refused_rows(apps)
    assert sorted(r.ip for r in rows) == ["127.0.0.1", "198.51.100.7"]
    assert {r.details["reason"] for r in rows} == {"signature"}

    clock.now += 60  # the next minute: each source may be audited once again
    assert (await deliver(apps, "razorpay", raw, headers)).status_code == 400
    assert (await deliver(apps, "razorpay", raw, headers)).status_code == 400
    assert len(await _refused_rows(apps)) == 3
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "created"


def test_once_per_window_is_bounded_and_resets_each_window() -> None:
    clock = Clock()
    gate = OncePerWindow(60.0, max_keys=2, clock=clock)
    assert [gate.first(k) for k in ("a", "a", "b", "c")] == [True, False, True, False]
    clock.now += 60
    assert [gate.first(k) for k in ("c", "a", "c")] == [True, True, False]
