"""The second SMS provider: Twilio's Messages API behind the same interface as MSG91,
chosen by MESSAGE_SMS_PROVIDER; a number Twilio calls invalid or unsubscribed (STOP)
is suppressed, and its credits given back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from studyspot.services.message.channels.registry import providers
from studyspot.services.message.channels.twilio import TwilioSms
from studyspot.services.message.config import MessageSettings
from tests.conftest import Apps
from tests.fakes.twilio import FakeTwilio
from tests.fixtures.bookings import add_student, ready_library
from tests.fixtures.messages import Clock, dispatcher, grant_credits

BROADCASTS = "/api/messages/broadcasts"


def _settings(fake: FakeTwilio) -> MessageSettings:
    return MessageSettings(
        sms_provider="twilio",
        twilio_base_url=fake.url,
        twilio_account_sid=fake.account_sid,
        twilio_auth_token=fake.auth_token,
        twilio_from=fake.sender,
    )


@pytest.fixture
async def twilio(apps: Apps) -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio()
    await fake.start()
    run = dispatcher(apps)
    before = run.channels
    run.channels = {**before, "sms": TwilioSms(_settings(fake))}
    run.channels.pop("whatsapp", None)
    yield fake
    await run.channels["sms"].close()
    run.channels = before
    await fake.stop()


def test_the_platform_chooses_twilio_by_setting(apps: Apps) -> None:
    settings = apps.app("message").state.message.settings
    fake = FakeTwilio()  # not started: choosing sends nothing
    assert isinstance(providers(settings, _settings(fake))["sms"], TwilioSms)
    unset = MessageSettings(sms_provider="twilio")
    assert "sms" not in providers(settings, unset)


async def test_twilio_sends_the_text_and_an_unsubscribed_number_is_suppressed(
    apps: Apps, twilio: FakeTwilio
) -> None:
    ready = await ready_library(apps, students=0)
    students = [await add_student(apps, ready.owner, ready.library_id) for _ in range(2)]
    client = apps.client("message")
    phones = []
    for sid in students:
        agreed = await client.put(
            f"/api/messages/consents/{sid}",
            json={
                "channel": "sms",
                "purpose": "reminders",
                "granted": True,
                "notice_version": "v2",
            },
            headers=ready.owner.headers,
        )
        assert agreed.status_code == 200, agreed.text
        record = await apps.client("student").get(
            f"/api/v1/students/{sid}", headers=ready.owner.headers
        )
        phones.append(record.json()["phone"])
    twilio.stopped.add(phones[1])
    await grant_credits(apps, ready.owner, 1_000)
    Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))  # 11:30 in India
    body = {
        "student_ids": [str(s) for s in students],
        "channel": "sms",
        "category": "reminders",
        "title": "Closed on Monday",
        "body": "The library is closed on Monday.",
    }
    sent = await client.post(BROADCASTS, json=body, headers=ready.owner.headers)
    assert sent.status_code == 201, sent.text
    assert sent.json()["cost_paise"] == 50

    await dispatcher(apps).run_once()
    [sms] = twilio.sent
    assert sms["to"] == phones[0] and "The library is closed on Monday." in sms["body"]
    report = await client.get(f"{BROADCASTS}/{sent.json()['id']}", headers=ready.owner.headers)
    assert report.json()["report"] == {"sent": 1, "failed": 1}
    balance = await client.get("/api/messages/credits", headers=ready.owner.headers)
    assert balance.json()["balance_paise"] == 975  # the refused one's 25 came back
    listed = await client.get("/api/messages/suppressions", headers=ready.owner.headers)
    [entry] = listed.json()["items"]
    assert (entry["channel"], entry["address"], entry["reason"]) == ("sms", phones[1], "stop")
    deliveries = await client.get(
        "/api/messages/deliveries", params={"status": "failed"}, headers=ready.owner.headers
    )
    [failed] = deliveries.json()["items"]
    assert failed["last_error"] == "sms_recipient_stopped"
