"""Platform KPIs: every tenant's read models summed for the platform's admins and staff."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from studyspot.kit.events import Event
from studyspot.kit.models import outbox_events, utcnow
from studyspot.services.analytics.platform import INDIA
from tests.analytics.test_month import library_of
from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fixtures.analytics import feed
from tests.fixtures.bookings import add_seats, ready_library
from tests.fixtures.library import create_library
from tests.fixtures.messages import grant_credits, msg91
from tests.fixtures.subscriptions import CURRENT, pay_manually
from tests.fixtures.users import LoggedIn, create_platform_user, register_owner
from tests.message.test_broadcasts import BROADCASTS, _body, _consent, _students

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
            # The scripted events carry no capacity, subscription or credits event.
            "active_seats": 0,
            "mrr_paise": 0,
            "message_credits_used": 0,
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


async def published(apps: Apps, tenants: set[uuid.UUID]) -> list[Event]:
    """What the services wrote to the outboxes for these tenants: the tenant database's
    (library, message) and the core one's (subscription)."""
    found: list[Event] = []
    for db in (
        apps.app("booking").state.kit.tenants.shared,
        apps.app("subscription").state.kit.core,
    ):
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                select(outbox_events)
                .where(outbox_events.c.tenant_id.in_(tenants))
                .order_by(outbox_events.c.created_at)
            )
            found += [Event.from_row(r) for r in rows]
    return found


async def choose(apps: Apps, owner: LoggedIn, plan: str, cycle: str) -> None:
    resp = await apps.client("subscription").post(
        f"{CURRENT}/plan", json={"plan_code": plan, "billing_cycle": cycle}, headers=owner.headers
    )
    assert resp.status_code == 200, resp.text


async def three_seats_on_professional(apps: Apps, admin: LoggedIn) -> LoggedIn:
    """A tenant with 4 seats, one put under maintenance, on Professional yearly, paid
    (₹24,990 a year is ₹2,082.50 a month)."""
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    library = await create_library(apps, owner, name="Vidya Baner")
    seats = await add_seats(apps, owner, uuid.UUID(library["id"]), 4)
    fixed = await apps.client("library").patch(
        f"/api/v1/libraries/{library['id']}/seats/{seats[0]['id']}",
        json={"status": "maintenance"},
        headers=owner.headers,
    )
    assert fixed.status_code == 200, fixed.text
    await choose(apps, owner, "professional", "annual")
    assert (await pay_manually(apps, admin, owner.tenant_id, 2_499_000)).status_code == 200
    return owner


async def test_seats_mrr_and_message_credits_come_from_the_services_events(
    apps: Apps, msg91: FakeMsg91
) -> None:
    admin = await create_platform_user(apps)
    # Tenant A: a library of 3 seats (ready_library), 3 paid SMS, Starter monthly (₹999).
    a = await ready_library(apps, students=0)
    students = await _students(apps, a, 3)
    for s in students:
        await _consent(apps, a, s["id"], "reminders")
    await grant_credits(apps, a.owner, 10_000)
    sent = await apps.client("message").post(
        BROADCASTS, json=_body(students), headers=a.owner.headers
    )
    assert sent.status_code == 201, sent.text
    await choose(apps, a.owner, "starter", "monthly")
    assert (await pay_manually(apps, admin, a.tenant_id, 99_900)).status_code == 200
    b = await three_seats_on_professional(apps, admin)
    assert b.tenant_id is not None

    events = await published(apps, {a.tenant_id, b.tenant_id})
    topics = {e.topic for e in events}
    assert {"library.capacity_changed", "message.credits_counted", "subscription.activated"} <= (
        topics
    )
    await feed(apps, events)
    month = utcnow().astimezone(INDIA).strftime("%Y-%m")
    resp = await apps.client("analytics").get(
        PLATFORM, params={"from": month, "to": month}, headers=admin.headers
    )
    assert resp.status_code == 200, resp.text
    [row] = resp.json()["months"]
    assert row["active_seats"] == 3 + 3
    assert row["mrr_paise"] == 99_900 + 2_499_000 // 12
    assert row["message_credits_used"] == 3
    # Redelivered, the same events change nothing.
    assert await feed(apps, events) == 0


__all__ = ["msg91"]  # the fixture, imported to be used here
