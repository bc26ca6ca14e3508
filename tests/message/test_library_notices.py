"""News of a branch for the people who run it: a new admission, a payment and a cancelled
booking reach the feed of the owner and of the staff assigned to that branch, not of
another branch's staff, once per event however often the dispatcher runs or the event is
handed over again."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from studyspot.kit.db import unit_of_work
from studyspot.kit.events import Event
from studyspot.kit.models import outbox_events
from studyspot.services.message.consumers import on_library_event
from tests.conftest import Apps
from tests.fixtures.bookings import booked, booking_body, ready_library
from tests.fixtures.library import raise_limits
from tests.fixtures.messages import deliver_messages
from tests.fixtures.payments import created
from tests.fixtures.students import admit, create_library, create_staff
from tests.fixtures.users import LoggedIn

NOTIFICATIONS = "/api/messages/notifications"


async def titles(apps: Apps, who: LoggedIn) -> list[str]:
    feed = await apps.client("message").get(NOTIFICATIONS, headers=who.headers)
    assert feed.status_code == 200, feed.text
    return sorted(n["title"] for n in feed.json()["items"])


async def test_owner_and_the_branchs_staff_hear_of_admissions_and_payments_others_do_not(
    apps: Apps,
) -> None:
    ready = await ready_library(apps, students=0)
    owner = ready.owner
    await raise_limits(apps, owner)
    other_branch = await create_library(apps, owner, name="Lakshya Baner")
    manager = await create_staff(apps, owner, [ready.library_id], role="manager")
    clerk = await create_staff(apps, owner, [ready.library_id, other_branch])
    elsewhere = await create_staff(apps, owner, [other_branch])

    student = await admit(apps, owner, ready.library_id, name="Meera Joshi")
    held = await booked(apps, owner, booking_body(ready, student=uuid.UUID(student["id"])))
    paid = await created(apps, owner, uuid.UUID(held["id"]), "cash")
    assert paid["status"] == "captured", paid
    for _ in range(3):
        await deliver_messages(apps)

    admission = "New admission: Meera Joshi"
    payment = "Payment received: ₹3,000.00"
    for who in (owner, manager, clerk):
        assert await titles(apps, who) == sorted([admission, payment])
    assert await titles(apps, elsewhere) == []

    # The admission handed over again below the processed-event ledger: still one each.
    db = apps.app("message").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                select(outbox_events).where(outbox_events.c.topic == "student.admitted")
            )
        ).one()
    async with unit_of_work(db, tenant_id=ready.tenant_id) as session:
        await on_library_event(Event.from_row(row), session)
    await deliver_messages(apps)
    assert await titles(apps, manager) == sorted([admission, payment])
    feed = await apps.client("message").get(NOTIFICATIONS, headers=clerk.headers)
    [told] = [n for n in feed.json()["items"] if n["kind"] == "library_payment"]
    assert paid["invoice_number"] in told["body"]
