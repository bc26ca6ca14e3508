"""Paying the platform through Razorpay Subscriptions (the official SDK against the local
fake): checkout, the charge webhook replayed ten times is one charge, a halted mandate
starts dunning, a forged signature is a 400 that changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from studyspot.services.subscription.models import Charge
from studyspot.services.subscription.runtime import runtime_of
from tests.conftest import Apps
from tests.fakes.razorpay import FakeRazorpay, key_pair
from tests.fixtures.subscriptions import CURRENT, SUBSCRIPTIONS, Clock, current, run_lifecycle
from tests.fixtures.users import LoggedIn, register_owner

WEBHOOK = f"{SUBSCRIPTIONS}/razorpay/webhook"
START = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture
async def razorpay(apps: Apps) -> AsyncIterator[FakeRazorpay]:
    fake = FakeRazorpay()
    await fake.start()
    key_id, secret = key_pair()
    fake.add_account(key_id, secret, "whsec-platform")
    config = runtime_of(apps.app("subscription")).config
    config.razorpay_key_id, config.razorpay_key_secret = key_id, secret
    config.razorpay_webhook_secret = "whsec-platform"
    config.razorpay_base_url = fake.url
    try:
        yield fake
    finally:
        await fake.stop()


async def checked_out(apps: Apps, owner: LoggedIn) -> str:
    api = apps.client("subscription")
    chosen = await api.post(
        f"{CURRENT}/plan",
        json={"plan_code": "starter", "billing_cycle": "quarterly"},
        headers=owner.headers,
    )
    assert chosen.status_code == 200, chosen.text
    made = await api.post(f"{CURRENT}/checkout", headers=owner.headers)
    assert made.status_code == 200, made.text
    body = made.json()
    assert (body["amount_paise"], body["billing_cycle"]) == (284_700, "quarterly")
    assert body["short_url"].endswith(body["provider_subscription_id"])
    sub_id: str = body["provider_subscription_id"]
    return sub_id


async def charges(apps: Apps) -> int:
    async with apps.app("subscription").state.kit.core.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Charge))).scalar() or 0)


async def test_a_charge_replayed_ten_times_is_recorded_once(
    apps: Apps, razorpay: FakeRazorpay
) -> None:
    owner = await register_owner(apps)
    Clock(apps, START).install()
    sub_id = await checked_out(apps, owner)
    plan = razorpay.plans[razorpay.subscriptions[sub_id]["plan_id"]]
    assert (plan["period"], plan["interval"], plan["item"]["amount"]) == ("monthly", 3, 284_700)

    payment = razorpay.charge_subscription(sub_id)
    raw, headers = razorpay.subscription_webhook("subscription.charged", sub_id, payment_id=payment)
    api = apps.client("subscription")
    outcomes = []
    for _ in range(10):
        resp = await api.post(WEBHOOK, content=raw, headers=headers)
        assert resp.status_code == 200, resp.text
        outcomes.append(resp.json()["outcome"])
    assert outcomes == ["charged"] + ["duplicate"] * 9
    assert await charges(apps) == 1
    mine = await current(apps, owner)
    assert (mine["status"], mine["plan_code"], mine["billing_cycle"]) == (
        "active",
        "starter",
        "quarterly",
    )
    assert mine["current_period_end"].startswith("2026-07-01")

    # The next quarter's charge continues the period.
    second = razorpay.charge_subscription(sub_id)
    raw, headers = razorpay.subscription_webhook("subscription.charged", sub_id, payment_id=second)
    assert (await api.post(WEBHOOK, content=raw, headers=headers)).json()["outcome"] == "charged"
    assert (await current(apps, owner))["current_period_end"].startswith("2026-10-01")
    assert await charges(apps) == 2


async def test_a_forged_signature_is_refused_and_changes_nothing(
    apps: Apps, razorpay: FakeRazorpay
) -> None:
    owner = await register_owner(apps)
    sub_id = await checked_out(apps, owner)
    payment = razorpay.charge_subscription(sub_id)
    raw, headers = razorpay.subscription_webhook(
        "subscription.charged", sub_id, payment_id=payment, secret="not-the-secret"
    )
    resp = await apps.client("subscription").post(WEBHOOK, content=raw, headers=headers)
    assert resp.status_code == 400 and resp.json()["code"] == "signature_invalid"
    unsigned = await apps.client("subscription").post(
        WEBHOOK, content=raw, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 400
    assert await charges(apps) == 0
    assert (await current(apps, owner))["status"] == "trial"


async def test_a_halted_mandate_starts_dunning_then_read_only(
    apps: Apps, razorpay: FakeRazorpay
) -> None:
    owner = await register_owner(apps)
    clock = Clock(apps, START).install()
    sub_id = await checked_out(apps, owner)
    api = apps.client("subscription")
    payment = razorpay.charge_subscription(sub_id)
    raw, headers = razorpay.subscription_webhook("subscription.charged", sub_id, payment_id=payment)
    assert (await api.post(WEBHOOK, content=raw, headers=headers)).status_code == 200

    # The day before the next charge: the pre-debit notice, once.
    clock.now = datetime(2026, 6, 30, 6, tzinfo=UTC)
    await run_lifecycle(apps)
    await run_lifecycle(apps)
    razorpay.subscriptions[sub_id]["status"] = "halted"
    raw, headers = razorpay.subscription_webhook("subscription.halted", sub_id)
    halted = await api.post(WEBHOOK, content=raw, headers=headers)
    assert halted.json()["outcome"] == "grace"
    assert (await current(apps, owner))["status"] == "grace"
    clock.now = datetime(2026, 7, 5, 7, tzinfo=UTC)
    await run_lifecycle(apps)
    assert (await current(apps, owner))["status"] == "read_only"
    topics = await _topics(apps)
    assert topics.count("subscription.pre_debit_notice") == 1
    assert "subscription.grace" in topics and "subscription.read_only" in topics


async def _topics(apps: Apps) -> list[str]:
    from studyspot.kit.models import core_outbox

    async with apps.app("subscription").state.kit.core.engine.connect() as conn:
        rows = (await conn.execute(select(core_outbox.c.topic).order_by(core_outbox.c.seq))).all()
    return [r[0] for r in rows]
