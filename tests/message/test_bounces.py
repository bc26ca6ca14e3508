"""Bounces and complaints suppress an address: nothing more is sent to it, and the owner
sees why.

An address the relay refuses while we send (a hard bounce) is suppressed at once. Later
reports come back too: every business e-mail goes out through the relay with its own
envelope sender (VERP), and reports mailed back to it are posted raw to
POST /api/messages/webhooks/email/inbound; SendGrid's signed Event Webhook says the same.
A hard bounce or a complaint suppresses the address in that business only; a delay, a
forged token or another recipient changes nothing."""

from __future__ import annotations

import secrets
import string
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from studyspot.services.message.channels.email import delivery_of, return_path
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.email_reports import MAX_REPORT_BYTES, read_report
from studyspot.services.message.models import DeliveryEvent
from tests.conftest import Apps
from tests.fakes.sendgrid import FakeSendGrid
from tests.fixtures.messages import deliver_messages, use_smtp
from tests.fixtures.smtp import Inbox, smtp_server
from tests.fixtures.users import LoggedIn, register_owner

INBOUND = "/api/messages/webhooks/email/inbound"
SENDGRID = "/api/messages/webhooks/sendgrid/events"
DOMAIN = "bounces.studyspot.test"
TOKEN = secrets.token_urlsafe(24)
RFC822 = {"Content-Type": "message/rfc822"}


def _crlf(text: str) -> bytes:
    return text.strip("\n").replace("\n", "\r\n").encode() + b"\r\n"


def dsn(to: str, recipient: str, status: str = "5.1.1", action: str = "failed") -> bytes:
    """An RFC 3464 report as Postfix writes it, sent to the envelope sender `to`."""
    return _crlf(f"""
From: MAILER-DAEMON@relay.example (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 {status} mailbox unavailable

--B1
Content-Type: text/rfc822-headers

Return-Path: <{to}>
From: StudySpot <no-reply@studyspot.test>
To: {recipient}
Subject: Reset your StudySpot password

--B1--
""")


def arf(return_path_: str, recipient: str, feedback_type: str = "abuse") -> bytes:
    """An RFC 5965 complaint from a feedback loop: sent to the loop's registered address, the
    original message (with the Return-Path its mailbox wrote) enclosed."""
    return _crlf(f"""
From: fbl@isp.example
To: postmaster@studyspot.test
Subject: Abuse report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="B2"

--B2
Content-Type: text/plain

This is an e-mail abuse report.

--B2
Content-Type: message/feedback-report

Feedback-Type: {feedback_type}
User-Agent: ISP-FBL/1.0
Version: 1
Original-Rcpt-To: <{recipient}>

--B2
Content-Type: message/rfc822

Return-Path: <{return_path_}>
From: StudySpot <no-reply@studyspot.test>
To: {recipient}
Subject: Reset your StudySpot password

Your link.
--B2--
""")


def _config() -> MessageSettings:
    return MessageSettings(bounce_domain=DOMAIN, bounce_webhook_token=TOKEN)


def _use_bounces(apps: Apps, inbox: Inbox) -> None:
    runtime = apps.app("message").state.message
    runtime.config = runtime.config.model_copy(
        update={"bounce_domain": DOMAIN, "bounce_webhook_token": TOKEN}
    )
    use_smtp(apps, inbox, bounce_domain=DOMAIN)


async def _report(apps: Apps, body: bytes, token: str = TOKEN) -> dict[str, Any]:
    resp = await apps.client("message").post(
        INBOUND, params={"token": token}, content=body, headers=RFC822
    )
    assert resp.status_code == 202, resp.text
    answer: dict[str, Any] = resp.json()
    return answer


async def _reset_sent(apps: Apps, owner: LoggedIn) -> None:
    forgot = await apps.client("auth").post(
        "/api/auth/forgot-password", json={"email": owner.email}
    )
    assert forgot.status_code == 202
    await deliver_messages(apps)


async def _deliveries(apps: Apps, owner: LoggedIn) -> list[dict[str, Any]]:
    log = await apps.client("message").get("/api/messages/deliveries", headers=owner.headers)
    items: list[dict[str, Any]] = log.json()["items"]
    return items


async def _suppressions(apps: Apps, owner: LoggedIn) -> list[tuple[str, str, str]]:
    listed = await apps.client("message").get("/api/messages/suppressions", headers=owner.headers)
    return [(s["channel"], s["address"], s["reason"]) for s in listed.json()["items"]]


async def _events(apps: Apps, delivery_id: str) -> list[tuple[str, str | None]]:
    shared = apps.app("message").state.kit.tenants.shared
    async with shared.engine.connect() as conn:
        rows = await conn.execute(
            select(DeliveryEvent.state, DeliveryEvent.code).where(
                DeliveryEvent.delivery_id == uuid.UUID(delivery_id)
            )
        )
    return sorted((state, code) for state, code in rows)


def test_the_bounce_address_names_its_delivery_under_a_mac() -> None:
    config, tenant, delivery = _config(), uuid.uuid4(), uuid.uuid4()
    address = return_path(config, f"{tenant}:{delivery}")
    assert address is not None and address.endswith("@" + DOMAIN)
    local = address.split("@")[0]
    assert len(local) <= 64 and local.startswith("bounces+")
    assert delivery_of(config, address) == (tenant, delivery)
    assert delivery_of(config, f"<{address.upper().replace('BOUNCES', 'bounces')}>") is None
    token = local.partition("+")[2]
    # Any changed character is refused: in the ids, in the MAC, and in the last character's
    # bits that base64 decoding ignores (one spelling per token).
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    last = alphabet.index(token[-1])
    # The spellings that decode to the very same bytes (only the two ignored bits differ).
    same_bytes = [alphabet[(last & ~3) | k] for k in range(4) if (last & ~3) | k != last]
    for at, others in ((0, "AQ_"), (10, "AQ_"), (45, "AQ_"), (len(token) - 1, same_bytes)):
        for other in others:
            if other != token[at]:
                changed = token[:at] + other + token[at + 1 :]
                assert delivery_of(config, f"bounces+{changed}@{DOMAIN}") is None, (at, other)
    other_key = config.model_copy(update={"link_encryption_key": "k" * 44})
    assert delivery_of(other_key, address) is None
    assert return_path(config, f"platform:{delivery}") is None
    assert return_path(MessageSettings(), f"{tenant}:{delivery}") is None  # no domain: off
    # A report that is none of ours to act on, and the recipients a DSN names.
    assert read_report(b"From: a@b.example\r\nSubject: out of office\r\n\r\nAway").findings == ()
    [finding] = read_report(dsn(address, "Asha@Example.com")).findings
    assert (finding.kind, finding.code) == ("bounced", "5.1.1")
    assert finding.recipients == {"asha@example.com"}


async def test_a_hard_bounce_suppresses_the_address_once_and_the_next_e_mail_is_not_sent(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    address = owner.email.lower()
    with smtp_server() as inbox:
        _use_bounces(apps, inbox)
        await _reset_sent(apps, owner)
        [sent] = await _deliveries(apps, owner)
        assert sent["status"] == "sent"
        # The relay got the envelope sender naming this delivery; the From is unchanged.
        [mail_from] = inbox.mail_from
        assert delivery_of(_config(), mail_from) == (owner.tenant_id, uuid.UUID(sent["id"]))
        assert "no-reply@studyspot.test" in str(inbox.messages[0]["From"])

        delayed = await _report(apps, dsn(mail_from, address, "4.4.7", "delayed"))
        assert (delayed["report"], delayed["recorded"]) == ("delayed", 1)
        assert await _suppressions(apps, owner) == []

        local, _, domain = mail_from.partition("@")
        forged = local[:-2] + ("xy" if local[-2:] != "xy" else "zz") + "@" + domain
        ignored = await _report(apps, dsn(forged, address))
        assert (ignored["report"], ignored["recorded"], ignored["unknown"]) == ("bounced", 0, 1)
        someone_else = await _report(apps, dsn(mail_from, "someone.else@example.com"))
        assert (someone_else["recorded"], someone_else["unknown"]) == (0, 1)
        assert await _suppressions(apps, owner) == []

        bounced = await _report(apps, dsn(mail_from, address))
        again = await _report(apps, dsn(mail_from, address))
        assert (bounced["recorded"], again["recorded"], again["duplicates"]) == (1, 0, 1)
        assert await _suppressions(apps, owner) == [("email", address, "bounce")]
        assert await _events(apps, sent["id"]) == [("bounced", "5.1.1"), ("delayed", "4.4.7")]
        [failed] = await _deliveries(apps, owner)
        assert (failed["status"], failed["last_error"]) == ("failed", "email_bounced")

        apps.app("auth").state.auth_settings.forgot_password_cooldown_seconds = 0
        await _reset_sent(apps, owner)
        assert len(inbox.messages) == 1  # nothing more went to the relay
    [latest] = [d for d in await _deliveries(apps, owner) if d["id"] != sent["id"]]
    assert (latest["status"], latest["last_error"]) == ("skipped", "suppressed")


async def test_a_complaint_suppresses_in_its_own_business_and_no_other(apps: Apps) -> None:
    first, second = await register_owner(apps), await register_owner(apps)
    with smtp_server() as inbox:
        _use_bounces(apps, inbox)
        await _reset_sent(apps, first)
        await _reset_sent(apps, second)
        [a], [b] = await _deliveries(apps, first), await _deliveries(apps, second)
        a_from = return_path(_config(), f"{first.tenant_id}:{a['id']}")
        assert a_from is not None and set(inbox.mail_from) >= {a_from}
        # A token that verifies, naming the second business with the first's delivery: looked
        # for in the second business's database under its scope, where there is none.
        crossed = return_path(_config(), f"{second.tenant_id}:{a['id']}")
        assert crossed is not None
        nothing = await _report(apps, arf(crossed, first.email.lower()))
        assert (nothing["report"], nothing["recorded"], nothing["unknown"]) == ("complained", 0, 1)
        # The first's token naming the second's address.
        other = await _report(apps, arf(a_from, second.email.lower()))
        assert (other["recorded"], other["unknown"]) == (0, 1)
        not_abuse = await _report(apps, arf(a_from, first.email.lower(), "not-spam"))
        assert (not_abuse["report"], not_abuse["recorded"]) == ("none", 0)

        complained = await _report(apps, arf(a_from, first.email.lower()))
        assert (complained["report"], complained["recorded"]) == ("complained", 1)
    assert await _suppressions(apps, first) == [("email", first.email.lower(), "complaint")]
    assert await _suppressions(apps, second) == []
    assert await _events(apps, a["id"]) == [("complained", "abuse")]
    assert await _events(apps, b["id"]) == []
    assert (await _deliveries(apps, first))[0]["status"] == "sent"  # it was delivered


async def test_the_inbound_route_needs_its_token_and_a_readable_report_within_the_limit(
    apps: Apps,
) -> None:
    client = apps.client("message")
    body = dsn(f"bounces+x@{DOMAIN}", "a@example.com")
    unset = await client.post(INBOUND, params={"token": TOKEN}, content=body, headers=RFC822)
    assert (unset.status_code, unset.json()["code"]) == (404, "channel_not_configured")
    with smtp_server() as inbox:
        _use_bounces(apps, inbox)
    wrong = await client.post(INBOUND, params={"token": TOKEN + "x"}, content=body, headers=RFC822)
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_signature")
    plain = await client.post(
        INBOUND, params={"token": TOKEN}, content=body, headers={"Content-Type": "text/plain"}
    )
    assert plain.status_code == 415
    huge = body + b"x" * MAX_REPORT_BYTES
    too_large = await client.post(INBOUND, params={"token": TOKEN}, content=huge, headers=RFC822)
    assert (too_large.status_code, too_large.json()["code"]) == (413, "payload_too_large")

    async def chunks() -> Any:  # no Content-Length: counted while it is read
        for _ in range(MAX_REPORT_BYTES // 65_536 + 1):
            yield b"x" * 65_536

    streamed = await client.post(INBOUND, params={"token": TOKEN}, content=chunks(), headers=RFC822)
    assert streamed.status_code == 413
    no_status = body.replace(b"message/delivery-status", b"text/plain")
    for broken in (b"", b"\x00\xff not a message", no_status, body.replace(b"5.1.1", b"fine")):
        refused = await client.post(
            INBOUND, params={"token": TOKEN}, content=broken, headers=RFC822
        )
        assert (refused.status_code, refused.json()["code"]) == (422, "malformed_report"), broken
    auto_reply = b"From: a@example.com\r\nTo: bounces@x\r\nSubject: Away\r\n\r\nBack Monday."
    assert (await _report(apps, auto_reply))["report"] == "none"


async def test_sendgrid_s_signed_events_suppress_once_and_forged_ones_nothing(apps: Apps) -> None:
    owner, sendgrid = await register_owner(apps), FakeSendGrid()
    address = owner.email.lower()
    runtime = apps.app("message").state.message
    runtime.config = runtime.config.model_copy(
        update={"sendgrid_event_public_key": sendgrid.public_key}
    )
    with smtp_server() as relay:
        use_smtp(apps, relay, sendgrid_event_public_key=sendgrid.public_key)
        await _reset_sent(apps, owner)
    [sent], [mail] = await _deliveries(apps, owner), relay.messages
    client = apps.client("message")

    async def post(body: bytes, headers: dict[str, str]) -> httpx.Response:
        return await client.post(SENDGRID, content=body, headers=headers)

    bounce = sendgrid.event(mail, "bounce", type="bounce", status="5.1.1")
    body, headers = sendgrid.signed([bounce, sendgrid.event(mail, "delivered")])
    forged = await post(*FakeSendGrid().signed([bounce]))  # another account's key
    assert (forged.status_code, forged.json()["code"]) == (401, "invalid_signature")
    unsigned = await post(body, {"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    altered = await post(body.replace(b"5.1.1", b"5.1.2"), headers)
    assert altered.status_code == 401
    other = sendgrid.event(mail, "spamreport", email="someone.else@example.com")
    assert (await post(*sendgrid.signed([other]))).json()["unknown"] == 1
    assert await _suppressions(apps, owner) == []

    first, again = await post(body, headers), await post(body, headers)
    assert (first.json()["recorded"], again.json()["duplicates"]) == (1, 1)
    complaint = await post(*sendgrid.signed([sendgrid.event(mail, "spamreport")]))
    assert complaint.json()["recorded"] == 1
    assert await _suppressions(apps, owner) == [("email", address, "bounce")]
    assert await _events(apps, sent["id"]) == [("bounced", "5.1.1"), ("complained", "spamreport")]
    broken = await post(*sendgrid.signed({"event": "bounce"}))  # type: ignore[arg-type]
    assert (broken.status_code, broken.json()["code"]) == (422, "malformed_report")


async def test_a_refused_recipient_is_suppressed_and_not_written_to_again(apps: Apps) -> None:
    owner = await register_owner(apps)
    with smtp_server() as inbox:
        inbox.refuse.add(owner.email.lower())
        use_smtp(apps, inbox)
        forgot = await apps.client("auth").post(
            "/api/auth/forgot-password", json={"email": owner.email}
        )
        assert forgot.status_code == 202
        await deliver_messages(apps)
    client = apps.client("message")
    log = await client.get("/api/messages/deliveries", headers=owner.headers)
    [delivery] = log.json()["items"]
    assert (delivery["status"], delivery["last_error"]) == ("failed", "recipient_refused")
    listed = await client.get("/api/messages/suppressions", headers=owner.headers)
    [entry] = listed.json()["items"]
    assert (entry["channel"], entry["address"], entry["reason"]) == (
        "email",
        owner.email.lower(),
        "bounce",
    )


async def test_a_relay_that_is_only_busy_suppresses_nothing(apps: Apps) -> None:
    owner = await register_owner(apps)
    with smtp_server() as inbox:
        use_smtp(apps, inbox, smtp_port=1)  # nothing listens there: retried later
        forgot = await apps.client("auth").post(
            "/api/auth/forgot-password", json={"email": owner.email}
        )
        assert forgot.status_code == 202
        await deliver_messages(apps)
    client = apps.client("message")
    [delivery] = (await client.get("/api/messages/deliveries", headers=owner.headers)).json()[
        "items"
    ]
    assert delivery["status"] == "queued" and delivery["last_error"] == "smtp_unreachable"
    listed = await client.get("/api/messages/suppressions", headers=owner.headers)
    assert listed.json()["total"] == 0
