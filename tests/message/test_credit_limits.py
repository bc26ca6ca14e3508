"""The plan's monthly message credits, a hard limit in the message service (what costs the
platform money): counted per paid message by one conditional UPDATE before anything is
reserved; past them a broadcast is 403 `plan_limit_reached` and the dispatcher skips."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fakes.whatsapp import FakeWhatsApp
from tests.fixtures.bookings import booking_body, paid, ready_library
from tests.fixtures.messages import (
    Clock,
    grant_credits,
)
from tests.fixtures.subscriptions import let_entitlements_sync
from tests.fixtures.users import LoggedIn, create_platform_user
from tests.message.test_broadcasts import BROADCASTS, _balance, _body, _consent, _students
from tests.message.test_credits import paid_channels_skipped


async def credits_limit(apps: Apps, owner: LoggedIn, monthly: int) -> None:
    """A platform admin sets the tenant's monthly message credits (kit entitlements)."""
    admin = await create_platform_user(apps)
    resp = await apps.client("subscription").patch(
        f"/api/v1/subscriptions/tenants/{owner.tenant_id}/limits",
        json={"monthly_message_credits": monthly},
        headers=admin.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["monthly_message_credits"] == monthly
    let_entitlements_sync(apps, "message")


async def test_a_broadcast_past_the_months_credits_is_refused_before_anything_is_reserved(
    apps: Apps, msg91: FakeMsg91
) -> None:
    ready = await ready_library(apps, students=0)
    students = await _students(apps, ready, 4)
    for s in students:
        await _consent(apps, ready, s["id"], "reminders")
    await grant_credits(apps, ready.owner, 10_000)
    await credits_limit(apps, ready.owner, 5)
    clock = Clock(apps, datetime(2030, 1, 31, 6, 0, tzinfo=UTC))  # 11:30 on 31 January, India
    client = apps.client("message")

    first = await client.post(BROADCASTS, json=_body(students[:3]), headers=ready.owner.headers)
    assert first.status_code == 201, first.text
    assert await _balance(apps, ready) == (10_000 - 150, 10_000 - 150)

    refused = await client.post(BROADCASTS, json=_body(students[:3]), headers=ready.owner.headers)
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["code"] == "plan_limit_reached"
    assert "Limit message_credits" in problem["detail"] and "you use 3" in problem["detail"]
    assert {"field": "limit.message_credits", "message": "limit=5; used=3; adding=3"} in problem[
        "errors"
    ]
    assert any(e["field"] == "upgrade" for e in problem["errors"])
    # Nothing reserved, nothing queued.
    assert await _balance(apps, ready) == (10_000 - 150, 10_000 - 150)
    log = await client.get("/api/messages/deliveries", headers=ready.owner.headers)
    assert log.json()["total"] == 3

    # No overage for credits: exactly up to the limit, not one more.
    last = await client.post(BROADCASTS, json=_body(students[:2]), headers=ready.owner.headers)
    assert last.status_code == 201, last.text
    one_more = await client.post(BROADCASTS, json=_body(students[:1]), headers=ready.owner.headers)
    assert one_more.status_code == 403

    # A new month (India time: 18:30 UTC on the 31st is already February there).
    clock.now = datetime(2030, 1, 31, 18, 30, tzinfo=UTC)
    again = await client.post(BROADCASTS, json=_body(students[:1]), headers=ready.owner.headers)
    assert again.status_code == 201, again.text


async def test_a_short_wallet_counts_no_credit_of_the_month(apps: Apps, msg91: FakeMsg91) -> None:
    ready = await ready_library(apps, students=0)
    students = await _students(apps, ready, 2)
    for s in students:
        await _consent(apps, ready, s["id"], "reminders")
    await credits_limit(apps, ready.owner, 2)
    Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))
    client = apps.client("message")
    await grant_credits(
        apps, ready.owner, 50
    )  # short of the two messages (2 x 2 segments x 25 = 100)
    short = await client.post(BROADCASTS, json=_body(students), headers=ready.owner.headers)
    assert short.status_code == 409 and short.json()["code"] == "insufficient_credits"
    await grant_credits(apps, ready.owner, 150)
    sent = await client.post(BROADCASTS, json=_body(students), headers=ready.owner.headers)
    assert sent.status_code == 201, sent.text  # the refused one took none of the 2 credits


async def test_past_the_credits_the_dispatcher_skips_paid_messages_and_email_still_tells(
    apps: Apps, phones: tuple[FakeWhatsApp, FakeMsg91]
) -> None:
    ready = await ready_library(apps, students=1)
    await grant_credits(apps, ready.owner, 1_000)
    await credits_limit(apps, ready.owner, 0)
    await paid(apps, ready.owner, booking_body(ready))
    await paid_channels_skipped(apps, ready.owner, phones, "plan_limit_reached")
    balance = await apps.client("message").get("/api/messages/credits", headers=ready.owner.headers)
    assert balance.json()["balance_paise"] == 1_000  # nothing reserved
