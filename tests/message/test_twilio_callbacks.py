"""Twilio's callbacks: every SMS names its status webhook, Twilio posts each status there
signed with X-Twilio-Signature, and replies to our number arrive at the inbound webhook,
where STOP suppresses the number for SMS and START lifts it. The fake Twilio makes both
calls as Twilio does; here they reach the in-process app as the gateway would pass them."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from studyspot.kit.db import unit_of_work
from studyspot.kit.models import audit_logs
from studyspot.services.gateway.routes import RouteTable
from studyspot.services.message.channels.base import Callback
from studyspot.services.message.channels.msg91 import reference_of
from studyspot.services.message.channels.twilio import TwilioSms, signature
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.models import DeliveryEvent, SenderAccount
from tests.conftest import Apps
from tests.fakes.twilio import FakeTwilio, twilio_signature
from tests.fixtures.bookings import ReadyLibrary, add_student, booking_body, paid, ready_library
from tests.fixtures.messages import Clock, deliver_messages, dispatcher, grant_credits
from tests.fixtures.users import LoggedIn
from tests.message.test_audience import _consent

PUBLIC = "https://app.studyspot.test"
STATUS = "/api/messages/webhooks/twilio/status"
INBOUND = "/api/messages/webhooks/twilio/inbound"
BROADCASTS = "/api/messages/broadcasts"
SENDERS = "/api/messages/sender-accounts"


@pytest.fixture
async def twilio(apps: Apps) -> AsyncIterator[FakeTwilio]:
    """SMS through the fake Twilio (no WhatsApp: SMS first, then e-mail), our public
    address `PUBLIC`; Twilio's callbacks handed to the in-process app by path and query."""
    fake = await _started(apps)
    config = MessageSettings(
        public_url=PUBLIC,
        sms_provider="twilio",
        twilio_base_url=fake.url,
        twilio_account_sid=fake.account_sid,
        twilio_auth_token=fake.auth_token,
        twilio_from=fake.sender,
    )
    run = dispatcher(apps)
    before = run.channels
    run.channels = {k: v for k, v in before.items() if k != "whatsapp"}
    run.channels["sms"] = TwilioSms(config)
    yield fake
    await run.channels["sms"].close()
    run.channels = before
    await fake.stop()


async def _started(apps: Apps) -> FakeTwilio:
    """A fake Twilio whose callbacks reach the in-process app as the gateway passes them."""
    fake = FakeTwilio()
    await fake.start()
    client = apps.client("message")

    async def deliver(url: str, body: bytes, headers: dict[str, str]) -> int:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return (await client.post(target, content=body, headers=headers)).status_code

    fake.deliver = deliver
    fake.inbound_url = PUBLIC + INBOUND
    return fake


def test_the_signature_is_twilios_documented_one() -> None:
    """The example of Twilio's security page: URL with a query, five fields, token 12345."""
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    fields = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert signature("12345", url, list(fields.items())) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert twilio_signature("12345", url, fields) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_the_gateway_routes_the_webhooks_to_the_message_service_at_the_general_limit() -> None:
    table = RouteTable(frozenset({"login"}), ())
    for path in (STATUS, INBOUND):
        route = table.match(path)
        assert route is not None and (route.service, route.klass) == ("message", "general")


def _broadcast(students: list[uuid.UUID]) -> dict[str, Any]:
    return {
        "student_ids": [str(s) for s in students],
        "channel": "sms",
        "category": "reminders",
        "title": "Closed on Monday",
        "body": "The library is closed on Monday.",
    }


async def _texted(apps: Apps, ready: ReadyLibrary, students: list[uuid.UUID]) -> str:
    """An SMS broadcast (reminders, consent given) to `students`; its id."""
    client = apps.client("message")
    for sid in students:
        await _consent(apps, ready, sid, "sms")
    Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))  # 11:30 in India
    sent = await client.post(BROADCASTS, json=_broadcast(students), headers=ready.owner.headers)
    assert sent.status_code == 201, sent.text
    await dispatcher(apps).run_once()
    broadcast: str = sent.json()["id"]
    return broadcast


async def _phone(apps: Apps, owner: LoggedIn, student: uuid.UUID) -> str:
    record = await apps.client("student").get(f"/api/v1/students/{student}", headers=owner.headers)
    phone: str = record.json()["phone"]
    return phone


async def _sms(apps: Apps, owner: LoggedIn) -> list[dict[str, Any]]:
    listed = await apps.client("message").get("/api/messages/deliveries", headers=owner.headers)
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def _events(apps: Apps, delivery_id: str) -> list[str]:
    shared = apps.app("message").state.kit.tenants.shared
    async with shared.engine.connect() as conn:
        rows = await conn.scalars(
            select(DeliveryEvent.state).where(DeliveryEvent.delivery_id == uuid.UUID(delivery_id))
        )
        return list(rows)


async def test_a_status_callback_is_verified_and_counted_once(
    apps: Apps, twilio: FakeTwilio
) -> None:
    ready = await ready_library(apps, students=1)
    await grant_credits(apps, ready.owner, 1_000)
    await _texted(apps, ready, ready.students)
    [sent] = twilio.sent
    [delivery] = await _sms(apps, ready.owner)
    assert delivery["status"] == "sent"
    # The StatusCallback names our public webhook and the delivery.
    callback = urlsplit(twilio.callbacks[sent["sid"]])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == PUBLIC + STATUS
    [ref] = parse_qs(callback.query)["ref"]
    assert reference_of(ref) == f"{ready.owner.tenant_id}:{delivery['id']}"

    client = apps.client("message")
    url, body, headers = twilio.status_callback(sent["sid"], "delivered")
    target = f"{STATUS}?{callback.query}"
    other_ref = f"{STATUS}?ref={ref[:-2]}AA"
    *_, other_account = twilio.status_callback(sent["sid"], "delivered", token="t" * 32)
    forged = [
        (target, body, {**headers, "X-Twilio-Signature": twilio_signature("x" * 32, url, {})}),
        (target, body, {"Content-Type": headers["Content-Type"]}),  # no signature
        (target, body.replace(b"delivered", b"failed"), headers),  # the body altered
        (other_ref, body, headers),  # signed for another URL
        (target, body, other_account),  # signed with another auth token
    ]
    for path, content, given in forged:
        refused = await client.post(path, content=content, headers=given)
        assert refused.status_code == 401, refused.text
        assert refused.json()["code"] == "invalid_signature"
    assert (await _sms(apps, ready.owner))[0]["status"] == "sent"
    assert await _events(apps, delivery["id"]) == []

    # Queued, sending and sent say no more than our own `sent`.
    for status in ("queued", "sending", "sent"):
        assert await twilio.report(sent["sid"], status) == 200
    assert await _events(apps, delivery["id"]) == []
    first = await client.post(target, content=body, headers=headers)
    assert first.json() == {"recorded": 1, "duplicates": 0, "unknown": 0, "stopped": 0}
    for _ in range(3):  # Twilio calling again, and a replay of the same callback
        assert await twilio.report(sent["sid"], "delivered") == 200
    again = await client.post(target, content=body, headers=headers)
    assert again.json() == {"recorded": 0, "duplicates": 1, "unknown": 0, "stopped": 0}
    assert (await _sms(apps, ready.owner))[0]["status"] == "delivered"
    assert await _events(apps, delivery["id"]) == ["delivered"]

    too_large = await client.post(target, content=b"Body=" + b"x" * 70_000, headers=headers)
    assert too_large.status_code == 413 and too_large.json()["code"] == "payload_too_large"


async def test_callbacks_are_refused_when_twilio_is_not_the_sms_provider(apps: Apps) -> None:
    client = apps.client("message")
    for path in (STATUS, INBOUND):
        resp = await client.post(path, content=b"MessageSid=SM1")
        assert resp.status_code == 404 and resp.json()["code"] == "channel_not_configured"


async def test_a_businesss_inbound_webhook_needs_its_own_account(
    apps: Apps, twilio: FakeTwilio
) -> None:
    """The platform's token does not speak for a business without its own Twilio account,
    nor for one that does not exist."""
    ready = await ready_library(apps, students=0)
    for tenant in (ready.owner.tenant_id, uuid.uuid4()):
        twilio.inbound_url = f"{PUBLIC}{INBOUND}?tenant={tenant}"
        assert await twilio.reply("+919812345678", "STOP") == 404


async def test_an_undelivered_sms_falls_back_to_email_once(apps: Apps, twilio: FakeTwilio) -> None:
    ready = await ready_library(apps, students=1)
    await grant_credits(apps, ready.owner, 10_000)
    await paid(apps, ready.owner, booking_body(ready))
    await deliver_messages(apps)
    [sent] = twilio.sent
    client = apps.client("message")

    async def by_channel() -> dict[str, dict[str, Any]]:
        log = await client.get(
            "/api/messages/deliveries",
            params={"kind": "booking_confirmed"},
            headers=ready.owner.headers,
        )
        return {d["channel"]: d for d in log.json()["items"]}

    assert set(await by_channel()) == {"sms"}
    for status in ("undelivered", "failed", "undelivered"):
        assert await twilio.report(sent["sid"], status, error_code=30003) == 200
    await dispatcher(apps).run_once()
    await dispatcher(apps).run_once()
    deliveries = await by_channel()
    sms = deliveries["sms"]
    assert (sms["status"], sms["last_error"]) == ("failed", "twilio_30003")
    assert deliveries["email"]["status"] == "sent"
    assert await _events(apps, sms["id"]) == ["failed"]
    log = await client.get(
        "/api/messages/deliveries",
        params={"kind": "booking_confirmed", "recipient_user_id": sms["recipient_user_id"]},
        headers=ready.owner.headers,
    )
    assert len(log.json()["items"]) == 2  # one e-mail, however often the failure came


async def test_a_stop_or_an_invalid_number_reported_later_suppresses_the_number(
    apps: Apps, twilio: FakeTwilio
) -> None:
    ready = await ready_library(apps, students=2)
    await grant_credits(apps, ready.owner, 1_000)
    phones = [await _phone(apps, ready.owner, s) for s in ready.students]
    await _texted(apps, ready, ready.students)
    by_phone = {m["to"]: m["sid"] for m in twilio.sent}
    assert await twilio.report(by_phone[phones[0]], "failed", error_code=21610) == 200
    assert await twilio.report(by_phone[phones[1]], "undelivered", error_code=21211) == 200
    assert await _suppressions(apps, ready.owner) == sorted(
        [("sms", phones[0], "stop"), ("sms", phones[1], "bounce")]
    )
    errors = {d["recipient"]: d["last_error"] for d in await _sms(apps, ready.owner)}
    assert errors == {phones[0]: "sms_recipient_stopped", phones[1]: "sms_invalid_number"}


async def _suppressions(apps: Apps, owner: LoggedIn) -> list[tuple[str, str, str]]:
    listed = await apps.client("message").get("/api/messages/suppressions", headers=owner.headers)
    return sorted((s["channel"], s["address"], s["reason"]) for s in listed.json()["items"])


async def _count_suppressions(apps: Apps) -> int:
    from studyspot.services.message.models import Suppression

    shared = apps.app("message").state.kit.tenants.shared
    async with shared.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Suppression)) or 0)


async def test_stop_by_sms_suppresses_the_number_and_start_lifts_only_that(
    apps: Apps, twilio: FakeTwilio
) -> None:
    ready = await ready_library(apps, students=2)
    await grant_credits(apps, ready.owner, 1_000)
    first, second = [await _phone(apps, ready.owner, s) for s in ready.students]
    await _texted(apps, ready, ready.students)
    assert len(twilio.sent) == 2
    # Another business with a student of the same number, which has never texted it.
    other = await ready_library(apps, students=0, name="Other Reading Room")
    await add_student(apps, other.owner, other.library_id, phone=first)
    # The owner's own suppression of the second number, which START must not lift.
    client = apps.client("message")
    manual = await client.post(
        "/api/messages/suppressions",
        json={"channel": "sms", "address": second},
        headers=ready.owner.headers,
    )
    assert manual.status_code == 201, manual.text

    # Forged, or signed with another token: nothing changes.
    _, body, headers = twilio.incoming(first, "STOP", token="t" * 32)
    refused = await client.post(INBOUND, content=body, headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_signature"
    # Anything but a keyword changes nothing, and Twilio gets an empty TwiML answer.
    _, body, headers = twilio.incoming(first, "stop sending me the fees please")
    chat = await client.post(INBOUND, content=body, headers=headers)
    assert chat.status_code == 200 and chat.headers["content-type"].startswith("text/xml")
    assert chat.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    assert await _suppressions(apps, ready.owner) == [("sms", second, "manual")]

    assert await twilio.reply(first, "  Stop ") == 200
    assert await twilio.reply(first, "QUIT") == 200  # again: the first reason stays
    assert await _suppressions(apps, ready.owner) == sorted(
        [("sms", first, "stop"), ("sms", second, "manual")]
    )
    assert await _suppressions(apps, other.owner) == []
    assert await _count_suppressions(apps) == 2

    # No more SMS to that number: a broadcast to it reaches no one.
    quote = await client.post(
        f"{BROADCASTS}/quote", json=_broadcast(ready.students[:1]), headers=ready.owner.headers
    )
    assert quote.status_code == 200, quote.text
    assert (quote.json()["reachable"], quote.json()["skipped"]) == (0, {"suppressed": 1})

    # START lifts the STOP's suppression, not the owner's; the number is texted again.
    assert await twilio.reply(second, "start") == 200
    assert await twilio.reply(first, "UNSTOP") == 200
    assert await _suppressions(apps, ready.owner) == [("sms", second, "manual")]
    await _texted(apps, ready, ready.students[:1])
    assert len(twilio.sent) == 3 and twilio.sent[-1]["to"] == first


def test_the_opt_out_and_opt_in_keywords_are_twilios() -> None:
    fake = FakeTwilio()  # not started: it only signs
    fake.inbound_url = PUBLIC + INBOUND
    provider = TwilioSms(
        MessageSettings(
            public_url=PUBLIC,
            sms_provider="twilio",
            twilio_account_sid=fake.account_sid,
            twilio_auth_token=fake.auth_token,
            twilio_from=fake.sender,
        )
    )
    phone = "+919812345678"

    def heard(text: str) -> tuple[list[str], list[str]]:
        url, body, headers = fake.incoming(phone, text)
        callback = Callback(headers=headers_of(headers), body=body, url=url)
        return provider.stop_requests(callback), provider.start_requests(callback)

    for word in ("STOP", "stopall", " Unsubscribe ", "CANCEL", "end", "Quit", "stop."):
        assert heard(word) == ([phone], []), word
    for word in ("START", "unstop"):
        assert heard(word) == ([], [phone]), word
    for text in ("stop it", "yes", "", "STOP ALL THE MESSAGES", "please stop"):
        assert heard(text) == ([], []), text
    # A status callback is no reply, whatever it carries.
    fake.sent.append({"sid": "SM1", "to": phone, "from": fake.sender, "body": "STOP"})
    fake.callbacks["SM1"] = PUBLIC + STATUS + "?ref=x"
    url, body, headers = fake.status_callback("SM1", "delivered")
    callback = Callback(headers=headers_of(headers), body=body, url=url)
    assert provider.stop_requests(callback) == []


def headers_of(given: dict[str, str]) -> dict[str, str]:
    """Headers as the route hands them over: names in lower case."""
    return {k.lower(): v for k, v in given.items()}


async def test_the_businesss_own_twilio_account_sends_and_its_token_verifies_its_callbacks(
    apps: Apps, twilio: FakeTwilio, capfd: pytest.CaptureFixture[str]
) -> None:
    own = await _started(apps)  # the business's account (Twilio's base URL is the platform's)
    run = dispatcher(apps)
    before = run.config
    run.config = before.model_copy(update={"public_url": PUBLIC, "twilio_base_url": own.url})
    try:
        ready = await ready_library(apps, students=1)
        await grant_credits(apps, ready.owner, 1_000)
        phone = await _phone(apps, ready.owner, ready.students[0])
        client = apps.client("message")
        account = {"account_sid": own.account_sid, "sender": own.sender}
        refused = await client.put(f"{SENDERS}/twilio", json=account, headers=ready.owner.headers)
        assert refused.status_code == 422, refused.text  # a new account needs its token
        saved = await client.put(
            f"{SENDERS}/twilio",
            json={**account, "auth_token": own.auth_token},
            headers=ready.owner.headers,
        )
        assert saved.status_code == 200, saved.text
        listed = await client.get(SENDERS, headers=ready.owner.headers)
        for answer in (saved, listed):
            assert own.auth_token not in answer.text
        [read] = listed.json()
        assert (read["channel"], read["provider"], read["has_secret"]) == ("sms", "twilio", True)
        assert read["settings"] == account

        await _texted(apps, ready, ready.students)
        assert twilio.sent == [] and [m["to"] for m in own.sent] == [phone]
        [sent] = own.sent
        # Signed with the platform's token, the business's callback is refused.
        url, body, _ = own.status_callback(sent["sid"], "delivered")
        *_, platform_signed = own.status_callback(sent["sid"], "delivered", token=twilio.auth_token)
        target = url.removeprefix(PUBLIC)
        forged = await client.post(target, content=body, headers=platform_signed)
        assert forged.status_code == 401, forged.text
        assert await own.report(sent["sid"], "delivered") == 200
        [delivery] = await _sms(apps, ready.owner)
        assert delivery["status"] == "delivered"

        # STOP to the business's own number (its webhook names the business).
        own.inbound_url = f"{PUBLIC}{INBOUND}?tenant={ready.owner.tenant_id}"
        _, body, platform_signed = own.incoming(phone, "STOP", token=twilio.auth_token)
        forged = await client.post(
            f"{INBOUND}?tenant={ready.owner.tenant_id}", content=body, headers=platform_signed
        )
        assert forged.status_code == 401, forged.text
        assert await own.reply(phone, "STOP") == 200
        assert await _suppressions(apps, ready.owner) == [("sms", phone, "stop")]
        assert await own.reply(phone, "START") == 200
        assert await _suppressions(apps, ready.owner) == []

        # The token is sealed in its row and in no log line, setting or audit entry.
        out, err = capfd.readouterr()
        assert own.auth_token not in out + err
        db = apps.app("message").state.kit.tenants.shared
        async with unit_of_work(db, tenant_id=ready.owner.tenant_id) as session:
            [row] = await session.scalars(select(SenderAccount))
            details = (
                await session.scalars(
                    select(audit_logs.c.details).where(
                        audit_logs.c.resource_type == "message_sender_account"
                    )
                )
            ).all()
        stored = json.dumps([row.settings, details]) + (row.secret_ciphertext or "")
        assert row.secret_ciphertext and own.auth_token not in stored
    finally:
        run.config = before
        await own.stop()


def test_a_signed_status_with_an_odd_error_code_is_read_without_failing() -> None:
    token, sid = "a" * 32, "AC" + "0" * 32
    provider = TwilioSms(
        MessageSettings(
            public_url=PUBLIC, twilio_account_sid=sid, twilio_auth_token=token, twilio_from="X"
        )
    )
    url = f"{PUBLIC}{STATUS}?ref=nothing"
    codes = {"30007": "twilio_30007", "21610": "sms_recipient_stopped", "²": "sms_failed"}
    codes["9" * 5000] = "sms_failed"
    for error, code in codes.items():
        fields = {"AccountSid": sid, "MessageSid": "SM1", "MessageStatus": "failed"}
        fields["ErrorCode"] = error
        headers = {"x-twilio-signature": twilio_signature(token, url, fields)}
        callback = Callback(headers=headers, body=urlencode(fields).encode(), url=url)
        [update] = provider.status_updates(callback)
        assert (update.state, update.code, update.reference) == ("failed", code, "")
