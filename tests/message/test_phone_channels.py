"""WhatsApp (Cloud API) and SMS (MSG91 flows, DLT) against local fakes: registered templates
out, signed status callbacks in, and the fallback WhatsApp → SMS → e-mail."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from studyspot.services.message.channels.msg91 import segments
from studyspot.services.message.models import DeliveryEvent
from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fakes.whatsapp import FakeWhatsApp
from tests.fixtures.bookings import booking_body, paid, ready_library
from tests.fixtures.messages import (
    deliver_messages,
    dispatcher,
    grant_credits,
    use_phone_channels,
)
from tests.fixtures.users import register_owner

WEBHOOK = "/api/messages/webhooks/whatsapp"
DELIVERIES = "/api/messages/deliveries"
BOOKING_TOTAL = "₹3,000.00"


@pytest.fixture
async def whatsapp() -> AsyncIterator[FakeWhatsApp]:
    fake = FakeWhatsApp()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def msg91() -> AsyncIterator[FakeMsg91]:
    fake = FakeMsg91()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture(autouse=True)
async def _close_providers(apps: Apps) -> AsyncIterator[None]:
    # The in-process app's lifespan (which closes them) does not run under the test client.
    yield
    for provider in dispatcher(apps).channels.values():
        await provider.close()


async def _confirmed_booking(apps: Apps) -> tuple[Any, dict[str, Any]]:
    """A student (with a mobile and an e-mail) whose booking the desk confirmed, and credits
    for the paid channels (tests/message/test_credits.py is about running short)."""
    ready = await ready_library(apps, students=1)
    await grant_credits(apps, ready.owner, 10_000)
    await paid(apps, ready.owner, booking_body(ready))
    student = await apps.client("student").get(
        f"/api/v1/students/{ready.students[0]}", headers=ready.owner.headers
    )
    return ready, student.json()


async def _deliveries(apps: Apps, ready: Any) -> dict[str, dict[str, Any]]:
    log = await apps.client("message").get(
        DELIVERIES, params={"kind": "booking_confirmed"}, headers=ready.owner.headers
    )
    return {d["channel"]: d for d in log.json()["items"]}


async def _events(apps: Apps, delivery_id: str) -> int:
    shared = apps.app("message").state.kit.tenants.shared
    async with shared.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(DeliveryEvent)
            .where(DeliveryEvent.delivery_id == uuid.UUID(delivery_id))
        )
    return int(count or 0)


async def test_a_confirmation_goes_first_by_whatsapp_as_the_approved_template(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    use_phone_channels(apps, whatsapp, msg91, "booking_confirmed")
    ready, student = await _confirmed_booking(apps)
    await deliver_messages(apps)
    [sent] = whatsapp.sent
    assert sent["to"] == student["phone"].lstrip("+")
    assert sent["template"]["name"] == "studyspot_booking_confirmed"
    assert sent["template"]["language"] == {"code": "en"}
    texts = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    assert texts[0] == student["name"] and texts[-1] == BOOKING_TOTAL
    assert msg91.sent == []  # SMS and e-mail wait as fallbacks
    by_channel = await _deliveries(apps, ready)
    assert set(by_channel) == {"whatsapp"}
    assert by_channel["whatsapp"]["status"] == "sent"
    assert by_channel["whatsapp"]["provider"] == "whatsapp_cloud"


async def test_status_callbacks_are_verified_counted_once_and_move_forwards(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    use_phone_channels(apps, whatsapp, msg91, "booking_confirmed")
    ready, _ = await _confirmed_booking(apps)
    await deliver_messages(apps)
    [sent] = whatsapp.sent
    delivery = (await _deliveries(apps, ready))["whatsapp"]
    client = apps.client("message")

    body, headers = whatsapp.callback(sent, "delivered", secret="not-the-app-secret")
    forged = await client.post(WEBHOOK, content=body, headers=headers)
    assert forged.status_code == 401 and forged.json()["code"] == "invalid_signature"
    unsigned = await client.post(WEBHOOK, content=body)
    assert unsigned.status_code == 401
    assert (await _deliveries(apps, ready))["whatsapp"]["status"] == "sent"
    assert await _events(apps, delivery["id"]) == 0

    body, headers = whatsapp.callback(sent, "delivered")
    first = await client.post(WEBHOOK, content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"recorded": 1, "duplicates": 0, "unknown": 0, "stopped": 0}
    again = await client.post(WEBHOOK, content=body, headers=headers)
    assert again.json() == {"recorded": 0, "duplicates": 1, "unknown": 0, "stopped": 0}
    assert (await _deliveries(apps, ready))["whatsapp"]["status"] == "delivered"

    body, headers = whatsapp.callback(sent, "read")
    await client.post(WEBHOOK, content=body, headers=headers)
    # A late "delivered" (Meta does not promise order) does not move it back.
    body, headers = whatsapp.callback(sent, "delivered")
    await client.post(WEBHOOK, content=body, headers=headers)
    assert (await _deliveries(apps, ready))["whatsapp"]["status"] == "read"
    assert await _events(apps, delivery["id"]) == 2


async def test_a_number_whatsapp_cannot_reach_gets_the_sms_with_its_dlt_template(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    use_phone_channels(apps, whatsapp, msg91, "booking_confirmed")
    ready, student = await _confirmed_booking(apps)
    whatsapp.undeliverable.add(student["phone"].lstrip("+"))
    await deliver_messages(apps)  # WhatsApp refuses for good: the SMS is queued
    await dispatcher(apps).run_once()
    by_channel = await _deliveries(apps, ready)
    assert (by_channel["whatsapp"]["status"], by_channel["whatsapp"]["last_error"]) == (
        "failed",
        "whatsapp_undeliverable",
    )
    assert by_channel["sms"]["status"] == "sent" and by_channel["sms"]["provider"] == "msg91"
    assert "email" not in by_channel
    [sms] = msg91.sent
    assert sms["sender"] == "STDSPT" and sms["PE_ID"] == msg91.entity_id
    assert msg91.flows[sms["template_id"]] == sms["DLT_TE_ID"]
    recipient = sms["recipients"][0]
    assert recipient["mobiles"] == student["phone"].lstrip("+")
    assert recipient["var1"] == student["name"] and recipient["var4"] == BOOKING_TOTAL


async def test_a_failure_reported_by_callback_falls_back_once(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    use_phone_channels(apps, whatsapp, msg91, "booking_confirmed")
    ready, _ = await _confirmed_booking(apps)
    await deliver_messages(apps)
    [sent] = whatsapp.sent
    body, headers = whatsapp.callback(sent, "failed")
    client = apps.client("message")
    for _ in range(2):
        assert (await client.post(WEBHOOK, content=body, headers=headers)).status_code == 200
    await dispatcher(apps).run_once()
    by_channel = await _deliveries(apps, ready)
    assert by_channel["whatsapp"]["status"] == "failed"
    assert by_channel["whatsapp"]["last_error"] == "whatsapp_131026"
    assert by_channel["sms"]["status"] == "sent"
    assert len(msg91.sent) == 1


async def test_no_registered_sms_template_falls_back_to_email(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    use_phone_channels(apps, whatsapp, msg91)  # no MSG91 flow registered for the kind
    ready, student = await _confirmed_booking(apps)
    whatsapp.undeliverable.add(student["phone"].lstrip("+"))
    for _ in range(3):
        await deliver_messages(apps)
    by_channel = await _deliveries(apps, ready)
    assert by_channel["sms"]["last_error"] == "sms_template_not_registered"
    assert by_channel["email"]["status"] == "sent"
    assert by_channel["email"]["provider"] == "dev_mailbox"


async def test_whatsapp_subscription_check_echoes_the_challenge_only_to_the_right_token(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    use_phone_channels(apps, whatsapp, msg91)
    client = apps.client("message")
    ok = await client.get(
        WEBHOOK,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": whatsapp.verify_token,
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = await client.get(
        WEBHOOK,
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "invalid_verify_token"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("[" * 80, 1),  # extended GSM-7 characters count twice
        ("[" * 81, 2),
        ("न" * 70, 1),  # Devanagari: UCS-2, 70 to a message
        ("न" * 71, 2),
        ("a" * 69 + "₹", 1),  # one character outside GSM-7 makes the whole text UCS-2
        ("a" * 70 + "₹", 2),
    ],
)
def test_sms_segments_count_gsm7_and_ucs2(text: str, parts: int) -> None:
    assert segments(text) == parts


async def test_a_stop_reply_suppresses_the_number_for_the_business_that_wrote_to_it(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    use_phone_channels(apps, whatsapp, msg91, "booking_confirmed")
    ready, student = await _confirmed_booking(apps)
    await deliver_messages(apps)
    [sent] = whatsapp.sent
    client = apps.client("message")

    body, headers = whatsapp.reply(sent["to"], "STOP", secret="not-the-app-secret")
    forged = await client.post(WEBHOOK, content=body, headers=headers)
    assert forged.status_code == 401
    body, headers = whatsapp.reply(sent["to"], "Thanks, see you tomorrow")
    chat = await client.post(WEBHOOK, content=body, headers=headers)
    assert chat.status_code == 200 and chat.json()["stopped"] == 0
    listed = await client.get("/api/messages/suppressions", headers=ready.owner.headers)
    assert listed.json()["total"] == 0

    for reply in (" Stop ", "STOP"):  # the second changes nothing
        body, headers = whatsapp.reply(sent["to"], reply)
        stopped = await client.post(WEBHOOK, content=body, headers=headers)
        assert stopped.status_code == 200 and stopped.json()["stopped"] == 1
    listed = await client.get("/api/messages/suppressions", headers=ready.owner.headers)
    [entry] = listed.json()["items"]
    assert (entry["channel"], entry["address"], entry["reason"]) == (
        "whatsapp",
        student["phone"],
        "stop",
    )


async def test_the_business_chooses_its_own_fallback_order(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    use_phone_channels(apps, whatsapp, msg91, "booking_confirmed")
    ready = await ready_library(apps, students=1)
    client = apps.client("message")
    before = await client.get("/api/messages/settings", headers=ready.owner.headers)
    assert before.json() == {
        "fallback_order": ["whatsapp", "sms", "email"],
        "chosen": False,
        "configured": ["whatsapp", "sms", "email"],
    }
    twice = await client.put(
        "/api/messages/settings",
        json={"fallback_order": ["sms", "sms"]},
        headers=ready.owner.headers,
    )
    assert twice.status_code == 422
    chosen = await client.put(
        "/api/messages/settings",
        json={"fallback_order": ["sms", "email"]},
        headers=ready.owner.headers,
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["fallback_order"] == ["sms", "email"] and chosen.json()["chosen"]

    await grant_credits(apps, ready.owner, 10_000)
    await paid(apps, ready.owner, booking_body(ready))
    await deliver_messages(apps)
    assert whatsapp.sent == [] and len(msg91.sent) == 1  # SMS first, WhatsApp left out
    assert set(await _deliveries(apps, ready)) == {"sms"}
    other = await register_owner(apps)
    theirs = await client.get("/api/messages/settings", headers=other.headers)
    assert theirs.json()["chosen"] is False
