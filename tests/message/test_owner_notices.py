"""The subscription service's notices reach the tenant's owner: in the owner's in-app feed
and by e-mail (a real local SMTP server), each once per event however often consumers and
the dispatcher run, in the owner's language."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from studyspot.kit.db import unit_of_work
from studyspot.kit.events import Event
from studyspot.kit.models import core_outbox, utcnow
from studyspot.kit.outbox import publish
from studyspot.services.message.consumers import on_subscription_notice
from studyspot.services.message.models import Delivery, Notification
from tests.conftest import Apps
from tests.fixtures.messages import deliver_messages, run_consumers, use_smtp
from tests.fixtures.smtp import Inbox, smtp_server
from tests.fixtures.subscriptions import CURRENT, Clock, pay_manually, run_lifecycle
from tests.fixtures.users import LoggedIn, create_platform_user, register_owner

NOTIFICATIONS = "/api/messages/notifications"


async def _feed(apps: Apps, owner: LoggedIn) -> list[dict[str, Any]]:
    resp = await apps.client("message").get(
        NOTIFICATIONS, params={"page_size": 50}, headers=owner.headers
    )
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


def _subjects(inbox: Inbox, owner: LoggedIn) -> list[str]:
    return sorted(str(m["Subject"]) for m in inbox.to(owner.email))


def _mail(inbox: Inbox, owner: LoggedIn, subject: str) -> EmailMessage:
    [found] = [m for m in inbox.to(owner.email) if m["Subject"] == subject]
    return found


async def _twice(apps: Apps) -> None:
    """Consumers and a dispatch round, twice: nothing more goes out the second time."""
    await deliver_messages(apps)
    await deliver_messages(apps)


async def test_trial_reminders_d3_d1_and_the_end_of_the_trial_reach_the_owner_once(
    apps: Apps,
) -> None:
    owner = await register_owner(apps, name="Asha Verma")
    clock = Clock(apps, utcnow()).install()
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        clock.move(days=11, hours=1)
        await run_lifecycle(apps)
        await _twice(apps)
        clock.move(days=2)
        await run_lifecycle(apps)
        await _twice(apps)
        assert _subjects(inbox, owner) == [
            "Your StudySpot trial ends in 1 day(s)",
            "Your StudySpot trial ends in 3 day(s)",
        ]
        mail = _mail(inbox, owner, "Your StudySpot trial ends in 3 day(s)")
        assert "Hello Asha Verma" in mail.get_content()
        assert "List-Unsubscribe" not in mail  # about the account itself: transactional

        feed = await _feed(apps, owner)
        assert [(n["kind"], n["title"]) for n in feed] == [
            ("trial_ending", "Trial ends in 1 day(s)"),
            ("trial_ending", "Trial ends in 3 day(s)"),
        ]
        unread = await apps.client("message").get(
            f"{NOTIFICATIONS}/unread-count", headers=owner.headers
        )
        assert unread.json() == {"unread": 2}

        # Day 15: the trial ended unpaid, the account is read-only (reads still work).
        clock.move(days=1, hours=12)
        await run_lifecycle(apps)
        await _twice(apps)
        assert "Your StudySpot account is now read-only" in _subjects(inbox, owner)
        assert len(inbox.to(owner.email)) == 3
    feed = await _feed(apps, owner)
    assert feed[0]["kind"] == "subscription_read_only"
    assert len(feed) == 3


async def test_dunning_notices_grace_read_only_and_suspension_reach_the_owner_once(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    owner = await register_owner(apps)
    clock = Clock(apps, datetime(2026, 4, 1, tzinfo=UTC)).install()
    chose = await apps.client("subscription").post(
        f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=owner.headers
    )
    assert chose.status_code == 200, chose.text
    assert (await pay_manually(apps, admin, owner.tenant_id, 99_900)).status_code == 200

    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        for day in (
            "2026-05-01T00:00:00",  # past due
            "2026-05-02T00:00:00",  # D+1
            "2026-05-04T00:00:00",  # D+3, grace
            "2026-05-08T00:00:00",  # D+7, read-only
        ):
            clock.now = datetime.fromisoformat(day).replace(tzinfo=UTC)
            await run_lifecycle(apps)
            await _twice(apps)
        overdue = "Your StudySpot payment of ₹999.00 is overdue"
        assert _subjects(inbox, owner) == sorted(
            [
                overdue,
                overdue,
                overdue,
                "Your StudySpot account is in its grace period",
                "Your StudySpot account is now read-only",
            ]
        )
        days = sorted(
            m.get_content().split("(")[1].split(" ")[0]
            for m in inbox.to(owner.email)
            if m["Subject"] == overdue
        )
        assert days == ["1", "3", "7"]
        feed = await _feed(apps, owner)
        assert sorted(n["kind"] for n in feed) == sorted(
            ["subscription_dunning"] * 3 + ["subscription_grace", "subscription_read_only"]
        )

        # Suspended: the console is closed to the tenant but for paying, so the e-mail
        # is what tells the owner; the feed keeps the notice for when it opens again.
        clock.now = datetime(2026, 6, 7, tzinfo=UTC)
        await run_lifecycle(apps)
        await _twice(apps)
        assert "Your StudySpot account is suspended" in _subjects(inbox, owner)
        assert len(inbox.to(owner.email)) == 6
    closed = await apps.client("message").get(NOTIFICATIONS, headers=owner.headers)
    assert closed.status_code == 403 and closed.json()["code"] == "tenant_suspended"
    assert (await pay_manually(apps, admin, owner.tenant_id, 99_900)).status_code == 200
    feed = await _feed(apps, owner)
    assert feed[0]["kind"] == "subscription_suspended" and len(feed) == 6


async def _publish_pre_debit(apps: Apps, owner: LoggedIn) -> Event:
    assert owner.tenant_id is not None
    core = apps.app("message").state.kit.core
    async with unit_of_work(core) as session:
        await publish(
            session,
            "subscription.pre_debit_notice",
            {
                "subscription_id": str(uuid.uuid4()),
                "tenant_id": str(owner.tenant_id),
                "status": "active",
                "plan_code": "starter",
                "charge_at": "2026-12-31T18:30:00+00:00",
                "amount_paise": 99_900,
            },
            tenant_id=owner.tenant_id,
        )
    async with core.engine.connect() as conn:
        row = (
            await conn.execute(
                select(core_outbox)
                .where(
                    core_outbox.c.topic == "subscription.pre_debit_notice",
                    core_outbox.c.tenant_id == owner.tenant_id,
                )
                .order_by(core_outbox.c.seq.desc())
                .limit(1)
            )
        ).one()
    return Event.from_row(row)


async def test_the_pre_debit_notice_is_told_once_per_event_in_the_owners_language(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    chose = await apps.client("message").put(
        "/api/messages/preferences", json={"language": "hi"}, headers=owner.headers
    )
    assert chose.status_code == 200, chose.text
    event = await _publish_pre_debit(apps, owner)

    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await run_consumers(apps)
        # The same event handed over again below the processed-event ledger (a redelivery
        # racing the ledger): the notification's own uniqueness keeps it one.
        app = apps.app("message")
        db = await app.state.kit.tenants.for_tenant(app.state.kit.core, owner.tenant_id)
        async with unit_of_work(db, tenant_id=owner.tenant_id) as session:
            await on_subscription_notice(event, session)
        await _twice(apps)
        [mail] = inbox.to(owner.email)
    assert mail["Subject"] == "01 Jan 2027, 00:00 IST को ₹999.00 का भुगतान कटेगा"
    assert "ई-मैंडेट" in mail.get_content()
    [note] = await _feed(apps, owner)
    assert (note["kind"], note["language"]) == ("subscription_pre_debit", "hi")
    assert "₹999.00" in note["body"]

    async with db.engine.connect() as conn:
        notes = (
            await conn.execute(
                select(Notification.user_type).where(Notification.event_id == event.id)
            )
        ).all()
        sent = (
            await conn.execute(select(Delivery.channel).where(Delivery.event_id == event.id))
        ).all()
    # One for the owners (nobody's feed), one in the owner's own.
    assert sorted(n[0] for n in notes) == ["library_owner", "tenant_owners"]
    assert [s[0] for s in sent] == ["email"]


async def test_another_tenants_owner_is_not_told(apps: Apps) -> None:
    owner = await register_owner(apps)
    other = await register_owner(apps)
    await _publish_pre_debit(apps, owner)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await _twice(apps)
        assert len(inbox.to(owner.email)) == 1
        assert inbox.to(other.email) == []
    assert await _feed(apps, other) == []
    assert len(await _feed(apps, owner)) == 1
