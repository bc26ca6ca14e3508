"""Reset and invite links reach people: auth's sealed link events → deliveries → e-mail.

The message service is the one consumer that can open the links auth seals into
its events (docs/sessions.md). Every test runs the consumers as the worker
would and the dispatcher once, against a real SMTP server on loopback.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, text

from studyspot.kit.events.consumer import Targets, deliver
from studyspot.kit.events.directory import CoreTenantDirectory
from studyspot.kit.events.event import Event
from studyspot.kit.models import outbox_events, utcnow
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.consumers import CONSUMERS
from tests.conftest import Apps
from tests.fixtures.messages import (
    Clock,
    deliver_messages,
    dispatcher,
    link_in,
    run_consumers,
    use_smtp,
)
from tests.fixtures.smtp import smtp_server
from tests.fixtures.students import admit, create_staff, owner_with_branches
from tests.fixtures.users import (
    DEFAULT_PASSWORD,
    create_platform_user,
    login,
    register_owner,
)

NEW_PASSWORD = "a-new-horse-42"


async def _forgot(apps: Apps, email: str, **extra: str) -> None:
    resp = await apps.client("auth").post(
        "/api/auth/forgot-password", json={"email": email, **extra}
    )
    assert resp.status_code == 202, resp.text


async def _reset(apps: Apps, token: str) -> int:
    resp = await apps.client("auth").post(
        "/api/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    return resp.status_code


async def _link_events(apps: Apps) -> list[Event]:
    core = apps.app("message").state.kit.core
    async with core.engine.connect() as conn:
        rows = await conn.execute(
            select(
                outbox_events.c.id,
                outbox_events.c.topic,
                outbox_events.c.tenant_id,
                outbox_events.c.payload,
                outbox_events.c.created_at,
            ).where(outbox_events.c.topic.like("auth.%_requested"))
        )
        return [Event.from_row(r) for r in rows if "token_sealed" in r.payload]


async def test_forgot_password_sends_exactly_one_email_whose_link_resets_the_password_once(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await _forgot(apps, owner.email)
        assert await deliver_messages(apps) == 1
        assert await deliver_messages(apps) == 0  # nothing left to send
        [mail] = inbox.to(owner.email)
    assert mail["Subject"] == "Reset your StudySpot password"
    link, token = link_in(mail.get_content())
    assert link.startswith("http://localhost:3000/reset-password?token=")
    assert "Asha Verma" in mail.get_content()

    assert await _reset(apps, token) == 204
    assert await _reset(apps, token) == 422  # once only
    await login(apps, email=owner.email, password=NEW_PASSWORD)


async def test_a_redelivered_link_event_sends_nothing_more(apps: Apps) -> None:
    owner = await register_owner(apps)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await _forgot(apps, owner.email)
        await deliver_messages(apps)
        # At-least-once delivery: the same event handed to the consumers again.
        state = apps.app("message").state.kit
        targets = Targets(state.core, state.tenants, CoreTenantDirectory(state.core))
        for event in await _link_events(apps):
            for consumer in (c for c in CONSUMERS if c.wants(event.topic)):
                assert await deliver(consumer, event, targets) is False
        assert await dispatcher(apps).run_once() == 0
        assert len(inbox.to(owner.email)) == 1


async def test_the_delivery_row_holds_no_working_link(apps: Apps) -> None:
    owner = await register_owner(apps)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await _forgot(apps, owner.email)
        await deliver_messages(apps)
        [mail] = inbox.to(owner.email)
    _, token = link_in(mail.get_content())
    shared = apps.app("message").state.kit.tenants.shared
    async with shared.engine.connect() as conn:
        dump = str((await conn.execute(text("SELECT * FROM message_deliveries"))).all())
    assert token not in dump
    assert "v1:" in dump  # the secret as auth sealed it


async def test_invited_student_receives_the_link_and_logs_in(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    student = await admit(apps, world.owner, world.library_a)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        invited = await apps.client("student").post(
            f"/api/v1/students/{student['id']}/invite", headers=world.owner.headers
        )
        assert invited.status_code == 202, invited.text
        await deliver_messages(apps)
        [mail] = inbox.to(student["email"])
    assert mail["Subject"] == "You are invited to StudySpot"
    link, token = link_in(mail.get_content())
    assert "/set-password?token=" in link
    assert await _reset(apps, token) == 204
    await login(
        apps,
        phone=student["phone"],
        password=NEW_PASSWORD,
        user_type="student",
        tenant_slug=world.owner.tenant_slug,
    )


async def test_platform_admins_reset_link_is_sent_too(apps: Apps) -> None:
    admin = await create_platform_user(apps)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await _forgot(apps, admin.email, user_type="platform_admin")
        await deliver_messages(apps)
        [mail] = inbox.to(admin.email)
    _, token = link_in(mail.get_content())
    assert await _reset(apps, token) == 204
    await login(apps, email=admin.email, password=NEW_PASSWORD, user_type="platform_admin")


async def test_a_link_that_ran_out_before_it_could_be_sent_is_not_sent(apps: Apps) -> None:
    owner = await register_owner(apps)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await _forgot(apps, owner.email)
        await run_consumers(apps)
        clock = Clock(apps, utcnow())
        clock.advance(hours=1, seconds=1)  # PASSWORD_RESET_TTL_SECONDS is 3600
        assert await dispatcher(apps).run_once() == 1
        assert inbox.messages == []
    listed = await apps.client("message").get("/api/messages/deliveries", headers=owner.headers)
    [row] = listed.json()["items"]
    assert (row["status"], row["last_error"]) == ("expired", "expired_before_sending")


async def test_a_relay_that_is_down_is_retried_with_backoff_until_the_delivery_is_dead(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    run = dispatcher(apps)
    run.config = MessageSettings(max_attempts=3, retry_base_seconds=60, retry_max_seconds=600)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
    # The relay is gone from here on.
    await _forgot(apps, owner.email)
    await run_consumers(apps)
    clock = Clock(apps, utcnow())
    assert await run.run_once() == 1
    assert await run.run_once() == 0  # not due yet: about a minute of backoff
    clock.advance(seconds=73)  # 60 s + at most 20 % jitter
    assert await run.run_once() == 1
    clock.advance(seconds=120 * 1.2 + 1)
    assert await run.run_once() == 1
    clock.advance(days=1)
    assert await run.run_once() == 0  # dead: never taken again
    listed = await apps.client("message").get("/api/messages/deliveries", headers=owner.headers)
    [row] = listed.json()["items"]
    assert (row["status"], row["attempts"], row["last_error"]) == ("dead", 3, "smtp_unreachable")


async def test_a_login_with_only_a_phone_is_recorded_as_not_sent_while_sms_is_not_set_up(
    apps: Apps,
) -> None:
    world = await owner_with_branches(apps)
    student = await admit(apps, world.owner, world.library_a, email=None)
    invited = await apps.client("student").post(
        f"/api/v1/students/{student['id']}/invite", headers=world.owner.headers
    )
    assert invited.status_code == 202
    await deliver_messages(apps)
    listed = await apps.client("message").get(
        "/api/messages/deliveries",
        params={"kind": "invite", "recipient_user_id": student["id"]},
        headers=world.owner.headers,
    )
    [row] = listed.json()["items"]
    assert (row["channel"], row["recipient"]) == ("sms", student["phone"])
    assert (row["status"], row["last_error"]) == ("failed", "channel_not_configured")


async def test_only_the_owner_reads_the_delivery_log_and_only_of_its_own_tenant(
    apps: Apps,
) -> None:
    world = await owner_with_branches(apps)
    staff = await create_staff(apps, world.owner, [world.library_a])
    other = await register_owner(apps)
    await deliver_messages(apps)  # the staff member's invites (hired, then accepted)
    client = apps.client("message")
    mine = await client.get("/api/messages/deliveries", headers=world.owner.headers)
    assert mine.status_code == 200
    invite = mine.json()["items"][0]
    assert {i["recipient_user_id"] for i in mine.json()["items"]} == {str(staff.user_id)}
    assert invite["kind"] == "invite" and invite["status"] == "sent"
    assert "token" not in mine.text and "sealed" not in mine.text
    one = await client.get(f"/api/messages/deliveries/{invite['id']}", headers=world.owner.headers)
    assert one.status_code == 200 and one.json() == invite

    assert (await client.get("/api/messages/deliveries", headers=staff.headers)).status_code == 403
    theirs = await client.get(f"/api/messages/deliveries/{invite['id']}", headers=other.headers)
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "delivery_not_found"
    assert (await client.get("/api/messages/deliveries", headers=other.headers)).json()[
        "total"
    ] == 0
    missing = await client.get(f"/api/messages/deliveries/{uuid.uuid4()}", headers=other.headers)
    assert missing.status_code == 404


async def test_dev_mailbox_shows_platform_admins_the_email_with_its_link(apps: Apps) -> None:
    """No SMTP relay configured: e-mail goes to DATA_DIR/mailbox, readable over the API."""
    owner = await register_owner(apps)
    admin = await create_platform_user(apps)
    await _forgot(apps, owner.email)
    await deliver_messages(apps)
    client = apps.client("message")
    box = await client.get(
        "/api/messages/dev-mailbox", params={"to": owner.email}, headers=admin.headers
    )
    assert box.status_code == 200, box.text
    [mail] = box.json()["items"]
    assert mail["subject"] == "Reset your StudySpot password"
    refused = await client.get("/api/messages/dev-mailbox", headers=owner.headers)
    assert refused.status_code == 403
    _, token = link_in(mail["text"])
    assert await _reset(apps, token) == 204
    runtime = apps.app("message").state.message
    runtime.settings = runtime.settings.model_copy(update={"environment": "production"})
    hidden = await client.get("/api/messages/dev-mailbox", headers=admin.headers)
    assert hidden.status_code == 404


async def test_a_reset_in_the_cooldown_sends_no_second_email(apps: Apps) -> None:
    owner = await register_owner(apps)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await _forgot(apps, owner.email)
        await _forgot(apps, owner.email)
        await deliver_messages(apps)
        assert len(inbox.to(owner.email)) == 1
    # The old password is untouched until the link is used.
    await login(apps, email=owner.email, password=DEFAULT_PASSWORD)
