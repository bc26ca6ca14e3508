"""This month's use of the plan's message credits, as the owner's Subscription page shows
it: the very counter the limit check moves, per tenant and per month (India time)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fixtures.bookings import ready_library
from tests.fixtures.messages import Clock, grant_credits
from tests.fixtures.users import create_platform_user, register_owner
from tests.message.test_broadcasts import BROADCASTS, _body, _consent, _students
from tests.message.test_credit_limits import credits_limit

USAGE = "/api/messages/credits/month"


async def test_the_months_credits_used_are_the_counted_ones_of_this_tenant_only(
    apps: Apps, msg91: FakeMsg91
) -> None:
    ready = await ready_library(apps, students=0)
    students = await _students(apps, ready, 3)
    for s in students:
        await _consent(apps, ready, s["id"], "reminders")
    await grant_credits(apps, ready.owner, 10_000)
    await credits_limit(apps, ready.owner, 4)
    clock = Clock(apps, datetime(2030, 1, 31, 6, 0, tzinfo=UTC))  # 31 January in India
    client = apps.client("message")

    before = await client.get(USAGE, headers=ready.owner.headers)
    assert before.status_code == 200, before.text
    assert before.json() == {"month": "2030-01", "used": 0, "limit": 4}
    sent = await client.post(BROADCASTS, json=_body(students), headers=ready.owner.headers)
    assert sent.status_code == 201, sent.text
    after = (await client.get(USAGE, headers=ready.owner.headers)).json()
    assert after == {"month": "2030-01", "used": 3, "limit": 4}
    # The next broadcast of two is refused by exactly this figure: 3 + 2 > 4.
    refused = await client.post(BROADCASTS, json=_body(students[:2]), headers=ready.owner.headers)
    assert refused.status_code == 403 and refused.json()["code"] == "plan_limit_reached"
    assert (await client.get(USAGE, headers=ready.owner.headers)).json()["used"] == 3

    # Platform staff read any tenant's figure (the console's tenant page); owners do not.
    staff = await create_platform_user(apps, staff=True)
    theirs_url = f"/api/messages/credits/{ready.owner.tenant_id}/month"
    seen = await client.get(theirs_url, headers=staff.headers)
    assert seen.status_code == 200, seen.text
    assert seen.json() == {"month": "2030-01", "used": 3, "limit": 4}
    denied = await client.get(theirs_url, headers=ready.owner.headers)
    assert denied.status_code == 403 and denied.json()["code"] == "platform_only"
    unknown = await client.get(f"/api/messages/credits/{uuid.uuid4()}/month", headers=staff.headers)
    assert unknown.status_code == 404 and unknown.json()["code"] == "tenant_not_found"

    # Another tenant counts its own (none), on its own (trial) limit.
    other = await register_owner(apps)
    theirs = (await client.get(USAGE, headers=other.headers)).json()
    assert (theirs["used"], theirs["limit"]) == (0, 100)
    # India's February began at 18:30 UTC on the 31st: a new month starts from nothing.
    clock.now = datetime(2030, 1, 31, 18, 30, tzinfo=UTC)
    assert (await client.get(USAGE, headers=ready.owner.headers)).json() == {
        "month": "2030-02",
        "used": 0,
        "limit": 4,
    }
    assert (await client.get(USAGE)).status_code == 401
