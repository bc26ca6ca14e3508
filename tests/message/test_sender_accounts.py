"""A business's own sender accounts: its SMTP relay (and MSG91 account) used instead of
the platform's, secrets sealed like the payment service's provider keys, never in a
response, a log line or the audit log, and refused for local relays."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from studyspot.kit.crypto import DecryptionError
from studyspot.kit.db import unit_of_work
from studyspot.kit.models import audit_logs
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.models import SenderAccount
from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fixtures.bookings import add_student, ready_library
from tests.fixtures.messages import Clock, deliver_messages, dispatcher, grant_credits
from tests.fixtures.smtp import Inbox, smtp_server
from tests.fixtures.students import create_staff, owner_with_branches
from tests.fixtures.users import LoggedIn, register_owner

SENDERS = "/api/messages/sender-accounts"
BROADCASTS = "/api/messages/broadcasts"
RELAY_USER, RELAY_PASSWORD = "lakshya-relay", "relay-pass-" + uuid.uuid4().hex
TENANT_FROM = "Lakshya Library <hello@lakshya.example>"


def _configure(apps: Apps, **update: Any) -> MessageSettings:
    """The in-process message app's settings with `update` (the route and the dispatcher)."""
    runtime = apps.app("message").state.message
    config: MessageSettings = runtime.config.model_copy(update=update)
    runtime.config = config
    dispatcher(apps).config = config
    return config


@pytest.fixture
def relay(apps: Apps) -> Iterator[Inbox]:
    """A tenant's relay on loopback (STARTTLS, login), allowed for this test only."""
    before = apps.app("message").state.message.config
    with smtp_server(tls=True, login=(RELAY_USER, RELAY_PASSWORD)) as inbox:
        _configure(apps, tenant_smtp_private_hosts=True, smtp_ca_file=inbox.ca_file)
        yield inbox
    apps.app("message").state.message.config = before
    dispatcher(apps).config = before


def _smtp_body(inbox: Inbox, **extra: Any) -> dict[str, Any]:
    return {
        "host": inbox.host,
        "port": inbox.port,
        "security": "starttls",
        "username": RELAY_USER,
        "password": RELAY_PASSWORD,
        "from_address": TENANT_FROM,
        **extra,
    }


async def _forgot(apps: Apps, owner: LoggedIn) -> None:
    resp = await apps.client("auth").post("/api/auth/forgot-password", json={"email": owner.email})
    assert resp.status_code == 202, resp.text


def _mailbox_to(apps: Apps, address: str) -> list[str]:
    folder = apps.app("message").state.message.mailbox
    return [p.name for p in folder.glob("*.eml") if address in p.read_text(errors="replace")]


async def test_the_owners_relay_sends_the_businesss_email_and_the_platform_takes_over_again(
    apps: Apps, relay: Inbox
) -> None:
    owner = await register_owner(apps)
    client = apps.client("message")
    saved = await client.put(f"{SENDERS}/smtp", json=_smtp_body(relay), headers=owner.headers)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["channel"] == "email" and body["provider"] == "smtp"
    assert body["has_secret"] is True and body["settings"]["from_address"] == TENANT_FROM

    await _forgot(apps, owner)
    await deliver_messages(apps)
    [mail] = relay.to(owner.email)
    assert mail["From"] == TENANT_FROM and relay.logins == [RELAY_USER]
    assert _mailbox_to(apps, owner.email) == []  # not the platform's mailbox

    # Changing the host or sender keeps the stored password when none is typed.
    kept = _smtp_body(relay, from_address="hello@lakshya.example")
    del kept["password"]
    again = await client.put(f"{SENDERS}/smtp", json=kept, headers=owner.headers)
    assert again.status_code == 200 and again.json()["has_secret"] is True

    gone = await client.delete(f"{SENDERS}/email", headers=owner.headers)
    assert gone.status_code == 204
    assert (await client.delete(f"{SENDERS}/email", headers=owner.headers)).status_code == 404
    # Without its own account the business's e-mail goes the platform's way again.
    assert owner.tenant_id is not None
    db = apps.app("message").state.kit.tenants.shared
    async with unit_of_work(db, tenant_id=owner.tenant_id, read_only=True) as session:
        channels = await dispatcher(apps).channels_for(session, owner.tenant_id)
    assert channels["email"].provider == "dev_mailbox"
    listed = await client.get(SENDERS, headers=owner.headers)
    assert listed.json() == []


async def test_a_new_account_needs_its_secret_and_a_local_relay_is_refused(apps: Apps) -> None:
    owner = await register_owner(apps)
    client = apps.client("message")
    inbox = Inbox("127.0.0.1", 2525)
    no_secret = _smtp_body(inbox, host="smtp.lakshya.example")
    del no_secret["password"]
    refused = await client.put(f"{SENDERS}/smtp", json=no_secret, headers=owner.headers)
    assert refused.status_code == 422, refused.text
    for host in ("127.0.0.1", "localhost", "10.0.0.5", "169.254.169.254"):
        local = await client.put(
            f"{SENDERS}/smtp", json=_smtp_body(inbox, host=host), headers=owner.headers
        )
        assert local.status_code == 422, host
        assert local.json()["code"] == "smtp_host_refused"
    bad_kind = await client.put(
        f"{SENDERS}/msg91",
        json={
            "auth_key": "a" * 24,
            "sender": "LAKSHY",
            "entity_id": "120115900000000",
            "flows": {"not_a_kind": {"flow_id": "abc", "dlt_template_id": "1107000000000"}},
        },
        headers=owner.headers,
    )
    assert bad_kind.status_code == 422
    assert (await client.get(SENDERS, headers=owner.headers)).json() == []


async def test_only_owners_see_and_set_accounts_and_only_their_own_tenants(
    apps: Apps, relay: Inbox
) -> None:
    branches = await owner_with_branches(apps)
    manager = await create_staff(apps, branches.owner, [branches.library_a], role="manager")
    other = await register_owner(apps)
    client = apps.client("message")
    saved = await client.put(
        f"{SENDERS}/smtp", json=_smtp_body(relay), headers=branches.owner.headers
    )
    assert saved.status_code == 200
    assert (await client.get(SENDERS, headers=manager.headers)).status_code == 403
    put = await client.put(f"{SENDERS}/smtp", json=_smtp_body(relay), headers=manager.headers)
    assert put.status_code == 403
    assert (await client.get(SENDERS, headers=other.headers)).json() == []
    gone = await client.delete(f"{SENDERS}/email", headers=other.headers)
    assert gone.status_code == 404
    assert len((await client.get(SENDERS, headers=branches.owner.headers)).json()) == 1


async def test_secrets_are_sealed_to_their_tenant_and_never_leave_the_service(
    apps: Apps, relay: Inbox, capfd: pytest.CaptureFixture[str]
) -> None:
    owner = await register_owner(apps)
    other = await register_owner(apps)
    assert owner.tenant_id is not None and other.tenant_id is not None
    client = apps.client("message")
    auth_key, token, app_secret = (
        "k" + uuid.uuid4().hex,
        "EAAG" + uuid.uuid4().hex,
        uuid.uuid4().hex,
    )
    answers = [
        await client.put(f"{SENDERS}/smtp", json=_smtp_body(relay), headers=owner.headers),
        await client.put(
            f"{SENDERS}/msg91",
            json={
                "auth_key": auth_key,
                "sender": "LAKSHY",
                "entity_id": "120115900000000",
                "flows": {"announcement": {"flow_id": "f1", "dlt_template_id": "1107000000001"}},
            },
            headers=owner.headers,
        ),
        await client.put(
            f"{SENDERS}/whatsapp",
            json={"phone_number_id": "1098765432", "access_token": token, "app_secret": app_secret},
            headers=owner.headers,
        ),
        await client.get(SENDERS, headers=owner.headers),
        await client.get("/openapi.json"),
    ]
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    listed = {a["channel"]: a for a in answers[3].json()}
    assert listed["sms"]["settings"] == {
        "sender": "LAKSHY",
        "entity_id": "120115900000000",
        "flow_kinds": "announcement",
    }
    assert listed["whatsapp"]["has_webhook_secret"] is True
    await _forgot(apps, owner)
    await deliver_messages(apps)
    assert relay.to(owner.email)

    secrets = [RELAY_PASSWORD, auth_key, token, app_secret]
    out, err = capfd.readouterr()
    for text in [*(a.text for a in answers), out, err]:
        for secret in secrets:
            assert secret not in text

    db = apps.app("message").state.kit.tenants.shared
    async with unit_of_work(db, tenant_id=owner.tenant_id) as session:
        rows = list(await session.scalars(select(SenderAccount)))
        audit_rows = await session.execute(
            select(audit_logs.c.details).where(
                audit_logs.c.resource_type == "message_sender_account"
            )
        )
        details = [r.details for r in audit_rows]
        assert len(details) == 3
        stored = json.dumps([r.settings for r in rows]) + json.dumps(details)
        for secret in secrets:
            assert secret not in stored
            assert all(secret not in (r.secret_ciphertext or "") for r in rows)
    email_row = next(r for r in rows if r.channel == "email")
    box = dispatcher(apps).tenant_channels.box
    assert box is not None
    assert (
        box.decrypt(
            email_row.secret_ciphertext or "", context=f"message:{owner.tenant_id}:email:secret"
        )
        == RELAY_PASSWORD
    )
    # Copied into another tenant's row, the ciphertext does not open.
    with pytest.raises(DecryptionError):
        box.decrypt(
            email_row.secret_ciphertext or "", context=f"message:{other.tenant_id}:email:secret"
        )


@pytest.fixture
async def tenant_msg91(apps: Apps) -> AsyncIterator[FakeMsg91]:
    """MSG91 at the local fake, with no platform account: SMS only by a tenant's own."""
    fake = FakeMsg91()
    await fake.start()
    before, channels = apps.app("message").state.message.config, dispatcher(apps).channels
    dispatcher(apps).channels = {k: v for k, v in channels.items() if k != "sms"}
    _configure(apps, msg91_base_url=fake.url, msg91_auth_key="")
    yield fake
    dispatcher(apps).channels = channels
    apps.app("message").state.message.config = before
    dispatcher(apps).config = before
    await fake.stop()


async def test_the_businesss_own_msg91_account_sends_its_sms(
    apps: Apps, tenant_msg91: FakeMsg91
) -> None:
    ready = await ready_library(apps, students=0)
    student_id = await add_student(apps, ready.owner, ready.library_id)
    client = apps.client("message")
    agreed = await client.put(
        f"/api/messages/consents/{student_id}",
        json={"channel": "sms", "purpose": "reminders", "granted": True, "notice_version": "v2"},
        headers=ready.owner.headers,
    )
    assert agreed.status_code == 200, agreed.text
    await grant_credits(apps, ready.owner, 1_000)
    Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))  # 11:30 in India
    broadcast = {
        "student_ids": [str(student_id)],
        "channel": "sms",
        "category": "reminders",
        "title": "Closed on Monday",
        "body": "The library is closed on Monday.",
    }
    # The platform has no SMS account: nothing can be sent by SMS yet.
    for path in (f"{BROADCASTS}/quote", BROADCASTS):
        before = await client.post(path, json=broadcast, headers=ready.owner.headers)
        assert before.status_code == 409 and before.json()["code"] == "channel_not_configured"

    saved = await client.put(
        f"{SENDERS}/msg91",
        json={
            "auth_key": tenant_msg91.auth_key,
            "sender": tenant_msg91.sender,
            "entity_id": tenant_msg91.entity_id,
            "flows": {"notice": tenant_msg91.register("notice")},
        },
        headers=ready.owner.headers,
    )
    assert saved.status_code == 200, saved.text
    quote = await client.post(f"{BROADCASTS}/quote", json=broadcast, headers=ready.owner.headers)
    assert quote.json()["reachable"] == 1 and quote.json()["cost_paise"] > 0
    sent = await client.post(BROADCASTS, json=broadcast, headers=ready.owner.headers)
    assert sent.status_code == 201, sent.text
    await dispatcher(apps).run_once()
    [sms] = tenant_msg91.sent  # the fake checked the tenant's key, sender and DLT ids
    assert sms["sender"] == tenant_msg91.sender and sms["PE_ID"] == tenant_msg91.entity_id
