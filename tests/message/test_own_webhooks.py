"""A business's own WhatsApp number and MSG91 account call back at addresses of their own:
each names the account by an opaque random id, WhatsApp's callbacks must be signed with the
business's own app secret, MSG91's reports and inbound texts carry the token made for the
account. The same code as the platform's routes records them (once), and a STOP by SMS to
MSG91 suppresses the number as a STOP to Twilio does; START lifts it."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from studyspot.services.message.channels.base import Callback
from studyspot.services.message.channels.msg91 import Msg91Sms, inbound_reply
from studyspot.services.message.config import MessageSettings
from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fakes.whatsapp import FakeWhatsApp
from tests.fixtures.bookings import ReadyLibrary, ready_library
from tests.fixtures.messages import (
    Clock,
    deliver_messages,
    dispatcher,
    grant_credits,
    use_phone_channels,
)
from tests.fixtures.users import LoggedIn, register_owner
from tests.message.test_audience import _consent
from tests.message.test_phone_channels import (
    _confirmed_booking,
    _deliveries,
    _events,
    msg91,
    whatsapp,
)

SENDERS = "/api/messages/sender-accounts"
HOOKS = "/api/messages/webhooks"
PLATFORM_TOKEN = secrets.token_urlsafe(24)


@pytest.fixture
async def own_whatsapp() -> AsyncIterator[FakeWhatsApp]:
    fake = FakeWhatsApp()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def _closed(apps: Apps) -> AsyncIterator[None]:
    # The in-process app's lifespan (which closes them) does not run under the test client;
    # providers built from the businesses' own accounts hold HTTP sessions too.
    yield
    for provider in dispatcher(apps).channels.values():
        await provider.close()
    await dispatcher(apps).tenant_channels.close()


def _path(url: str) -> str:
    """The path and query of an address the answer gives (the client speaks to the app)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def _save(apps: Apps, owner: LoggedIn, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    client = apps.client("message")
    saved = await client.put(f"{SENDERS}/{kind}", json=body, headers=owner.headers)
    assert saved.status_code == 200, saved.text
    listed = await client.get(SENDERS, headers=owner.headers)
    [read] = [a for a in listed.json() if a["channel"] == saved.json()["channel"]]
    assert read["webhooks"] == saved.json()["webhooks"]
    hooks: dict[str, Any] = read["webhooks"]
    return hooks


def _whatsapp_body(fake: FakeWhatsApp) -> dict[str, str]:
    return {
        "phone_number_id": fake.phone_number_id,
        "access_token": fake.access_token,
        "app_secret": fake.app_secret,
    }


async def _suppressed(apps: Apps, owner: LoggedIn) -> list[tuple[str, str, str]]:
    listed = await apps.client("message").get("/api/messages/suppressions", headers=owner.headers)
    return sorted((s["channel"], s["address"], s["reason"]) for s in listed.json()["items"])


@pytest.mark.usefixtures("_closed")
async def test_the_businesss_whatsapp_webhook_verifies_with_its_own_app_secret(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91, own_whatsapp: FakeWhatsApp
) -> None:
    # The platform's WhatsApp (its app secret, its verify token) stays as it is; the
    # business's number is served by its own fake (Meta's base URL is the platform's).
    use_phone_channels(
        apps, whatsapp, msg91, "booking_confirmed", whatsapp_base_url=own_whatsapp.url
    )
    ready, student = await _confirmed_booking(apps)
    hooks = await _save(apps, ready.owner, "whatsapp", _whatsapp_body(own_whatsapp))
    webhook_id = hooks["callback_url"].rsplit("/", 1)[1]
    own = _path(hooks["callback_url"])
    assert own == f"{HOOKS}/whatsapp/{webhook_id}" and len(webhook_id) == 22
    assert str(ready.owner.tenant_id) not in hooks["callback_url"]
    token = hooks["verify_token"]
    assert len(token) >= 32 and token != whatsapp.verify_token
    client = apps.client("message")

    # Meta's subscription check, with the token made for the account only.
    check = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    echoed = await client.get(own, params={**check, "hub.verify_token": token})
    assert echoed.status_code == 200 and echoed.text == "1158201444"
    for wrong in (whatsapp.verify_token, token[:-1]):
        refused = await client.get(own, params={**check, "hub.verify_token": wrong})
        assert refused.status_code == 403 and refused.json()["code"] == "invalid_verify_token"

    await deliver_messages(apps)
    [sent] = own_whatsapp.sent
    assert whatsapp.sent == [] and sent["to"] == student["phone"].lstrip("+")
    delivery = (await _deliveries(apps, ready))["whatsapp"]

    # Signed with the platform's app secret: refused here, and nothing recorded; signed
    # with the business's, refused at the platform's address.
    body, headers = own_whatsapp.callback(sent, "delivered", secret=whatsapp.app_secret)
    forged = await client.post(own, content=body, headers=headers)
    assert forged.status_code == 401 and forged.json()["code"] == "invalid_signature"
    assert (await client.post(own, content=body)).status_code == 401  # unsigned
    body, headers = own_whatsapp.callback(sent, "delivered")
    elsewhere = await client.post(f"{HOOKS}/whatsapp", content=body, headers=headers)
    assert elsewhere.status_code == 401
    assert await _events(apps, delivery["id"]) == 0

    # The business's own signature: recorded once, however often Meta sends it.
    first = await client.post(own, content=body, headers=headers)
    assert first.json() == {"recorded": 1, "duplicates": 0, "unknown": 0, "stopped": 0}
    again = await client.post(own, content=body, headers=headers)
    assert again.json() == {"recorded": 0, "duplicates": 1, "unknown": 0, "stopped": 0}
    assert (await _deliveries(apps, ready))["whatsapp"]["status"] == "delivered"
    assert await _events(apps, delivery["id"]) == 1

    # Another business's address, signed with its own secret, moves nothing of this one's.
    other = await register_owner(apps)
    other_number = FakeWhatsApp()  # not started: only its credentials are saved
    other_hooks = await _save(apps, other, "whatsapp", _whatsapp_body(other_number))
    body, headers = own_whatsapp.callback(sent, "read", secret=other_number.app_secret)
    theirs = await client.post(_path(other_hooks["callback_url"]), content=body, headers=headers)
    assert theirs.json() == {"recorded": 0, "duplicates": 0, "unknown": 1, "stopped": 0}
    assert (await _deliveries(apps, ready))["whatsapp"]["status"] == "delivered"

    # A STOP to the business's number suppresses it in that business only.
    body, headers = own_whatsapp.reply(sent["to"], "STOP")
    stopped = await client.post(own, content=body, headers=headers)
    assert stopped.status_code == 200 and stopped.json()["stopped"] == 1
    assert await _suppressed(apps, ready.owner) == [("whatsapp", student["phone"], "stop")]
    assert await _suppressed(apps, other) == []

    # An address that names no current account answers the same 404, whoever's it was:
    # never made, removed with its account, or of another channel.
    sms_hooks = await _save(apps, other, "msg91", _msg91_body(msg91))
    sms_id = _path(sms_hooks["delivery_report_url"]).split("/")[-1].split("?")[0]
    gone = await client.delete(f"{SENDERS}/whatsapp", headers=other.headers)
    assert gone.status_code == 204
    answers = []
    for hook in (
        secrets.token_urlsafe(16),
        _path(other_hooks["callback_url"]).rsplit("/", 1)[1],
        sms_id,
    ):
        for resp in (
            await client.post(f"{HOOKS}/whatsapp/{hook}", content=body, headers=headers),
            await client.get(
                f"{HOOKS}/whatsapp/{hook}", params={**check, "hub.verify_token": token}
            ),
        ):
            assert resp.status_code == 404, (hook, resp.text)
            answers.append((resp.json()["code"], resp.json()["detail"]))
    assert set(answers) == {("webhook_not_found", "No such webhook address")}


def _msg91_body(fake: FakeMsg91) -> dict[str, Any]:
    return {
        "auth_key": fake.auth_key,
        "sender": fake.sender,
        "entity_id": fake.entity_id,
        "flows": {"notice": fake.register("notice")},
    }


async def _texted(apps: Apps, ready: ReadyLibrary) -> None:
    """An SMS broadcast (reminders, consent given) to the business's students."""
    for sid in ready.students:
        await _consent(apps, ready, sid, "sms")
    Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))  # 11:30 in India
    body = {
        "student_ids": [str(s) for s in ready.students],
        "channel": "sms",
        "category": "reminders",
        "title": "Closed on Monday",
        "body": "The library is closed on Monday.",
    }
    sent = await apps.client("message").post(
        "/api/messages/broadcasts", json=body, headers=ready.owner.headers
    )
    assert sent.status_code == 201, sent.text
    await dispatcher(apps).run_once()


@pytest.mark.usefixtures("_closed")
async def test_the_businesss_msg91_account_reports_and_takes_stop_by_sms(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    use_phone_channels(apps, whatsapp, msg91, "notice", msg91_webhook_token=PLATFORM_TOKEN)
    ready = await ready_library(apps, students=1)
    await grant_credits(apps, ready.owner, 1_000)
    hooks = await _save(apps, ready.owner, "msg91", _msg91_body(msg91))
    reports, inbound = _path(hooks["delivery_report_url"]), _path(hooks["inbound_url"])
    found = re.fullmatch(
        rf"{HOOKS}/msg91/([A-Za-z0-9_-]{{22}})\?token=([A-Za-z0-9_-]{{43}})", reports
    )
    assert found is not None, reports
    token = found.group(2)
    assert inbound == reports.replace("?", "/inbound?") and token != PLATFORM_TOKEN
    await _texted(apps, ready)
    [sent] = msg91.sent
    sms = next(d for d in (await _sms(apps, ready.owner)) if d["channel"] == "sms")
    client = apps.client("message")

    # The platform's token is not the account's, on either address.
    body, headers = msg91.report(sent, "1")
    for path in (reports.replace(token, PLATFORM_TOKEN), reports.split("?")[0]):
        refused = await client.post(path, content=body, headers=headers)
        assert refused.status_code == 401 and refused.json()["code"] == "invalid_signature"
    assert await _events(apps, sms["id"]) == 0
    first = await client.post(reports, content=body, headers=headers)
    assert first.json() == {"recorded": 1, "duplicates": 0, "unknown": 0, "stopped": 0}
    body, headers = msg91.report(sent, "1", version="v3")  # the same report, as v3
    again = await client.post(reports, content=body, headers=headers)
    assert again.json() == {"recorded": 0, "duplicates": 1, "unknown": 0, "stopped": 0}
    assert await _events(apps, sms["id"]) == 1

    # Another business's address and token: the report is not its delivery.
    other = await register_owner(apps)
    theirs = _path((await _save(apps, other, "msg91", _msg91_body(msg91)))["delivery_report_url"])
    body, headers = msg91.report(sent, "17")
    assert (await client.post(theirs, content=body, headers=headers)).json()["unknown"] == 1
    assert (await _sms(apps, ready.owner))[0]["status"] == "delivered"

    # STOP by SMS to the virtual number (keyword first), through the same suppression as
    # Twilio's; chat changes nothing; START (MSG91 forwarding by GET) lifts it.
    phone = sent["recipients"][0]["mobiles"]
    phone = f"+{phone}"
    body, headers = msg91.inbound(phone, "STOP", keyword="LAKSHYA")
    refused = await client.post(
        inbound.replace(token, PLATFORM_TOKEN), content=body, headers=headers
    )
    assert refused.status_code == 401
    body, headers = msg91.inbound(phone, "stop sending the fees please", keyword="LAKSHYA")
    chat = await client.post(inbound, content=body, headers=headers)
    assert chat.json() == {"recorded": 0, "duplicates": 0, "unknown": 0, "stopped": 0}
    body, headers = msg91.inbound(phone, " Stop ", keyword="LAKSHYA", as_json=True)
    stopped = await client.post(inbound, content=body, headers=headers)
    assert stopped.json()["stopped"] == 1
    assert await _suppressed(apps, ready.owner) == [("sms", phone, "stop")]
    assert await _suppressed(apps, other) == []
    started = await client.get(f"{inbound}&sender={phone[1:]}&content=START")
    assert started.status_code == 200, started.text
    assert await _suppressed(apps, ready.owner) == []
    junk = await client.post(inbound, content=b"hello", headers=headers)
    assert junk.status_code == 422 and junk.json()["code"] == "malformed_report"

    # The platform's virtual number: its own token; STOP reaches every business that
    # texted the number by SMS.
    platform = f"{HOOKS}/msg91/inbound"
    body, headers = msg91.inbound(phone, "STOP")
    assert (await client.post(platform, content=body, headers=headers)).status_code == 401
    answer = await client.post(
        platform, params={"token": PLATFORM_TOKEN}, content=body, headers=headers
    )
    assert answer.json()["stopped"] == 1
    assert await _suppressed(apps, ready.owner) == [("sms", phone, "stop")]


async def _sms(apps: Apps, owner: LoggedIn) -> list[dict[str, Any]]:
    listed = await apps.client("message").get("/api/messages/deliveries", headers=owner.headers)
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def test_an_msg91_forward_is_read_without_its_keyword() -> None:
    fake = FakeMsg91()  # not started: it only writes forwards
    provider = Msg91Sms(MessageSettings(msg91_webhook_token=PLATFORM_TOKEN))
    phone = "+919812345678"

    def heard(text: str, **given: Any) -> tuple[list[str], list[str]]:
        body, headers = fake.inbound(phone, text, **given)
        callback = Callback(headers=headers, body=body, inbound=True)
        return provider.stop_requests(callback), provider.start_requests(callback)

    for text in ("STOP", "stopall", " Unsubscribe ", "quit."):
        assert heard(text) == ([phone], []), text
        assert heard(text, keyword="LAKSHYA", as_json=True) == ([phone], []), text
    assert heard("Start", keyword="lakshya") == ([], [phone])
    for text in ("please stop", "", "LAKSHYA"):
        assert heard(text, keyword="LAKSHYA") == ([], []), text
    body, headers = fake.inbound("+14155550100", "STOP")  # not an Indian mobile
    assert inbound_reply(Callback(headers=headers, body=body, inbound=True)) is None
    # A delivery report is no reply, and an inbound text reports no delivery.
    report, headers = fake.inbound(phone, "STOP")
    assert provider.stop_requests(Callback(headers=headers, body=report)) == []
    assert provider.status_updates(Callback(headers=headers, body=report, inbound=True)) == []


__all__ = ["msg91", "whatsapp"]  # fixtures, imported to be used here
