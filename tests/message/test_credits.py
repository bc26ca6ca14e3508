"""Credits for SMS and WhatsApp: reserved when a paid message is taken for sending, spent when
the provider accepts it, given back when it fails; the ledger sums to the balance."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fakes.whatsapp import FakeWhatsApp
from tests.fixtures.bookings import booking_body, paid, ready_library
from tests.fixtures.messages import (
    deliver_messages,
    dispatcher,
    grant_credits,
)
from tests.fixtures.users import LoggedIn, create_platform_user, register_owner

CREDITS = "/api/messages/credits"
WHATSAPP_PRICE = 15  # MESSAGE_WHATSAPP_UTILITY_PRICE_PAISE
SMS_PRICE = 25  # MESSAGE_SMS_PRICE_PAISE_PER_SEGMENT; the confirmation is one UCS-2 segment


async def _ledger(apps: Apps, owner: LoggedIn) -> tuple[int, list[tuple[str, int]]]:
    client = apps.client("message")
    balance = (await client.get(CREDITS, headers=owner.headers)).json()["balance_paise"]
    rows = (await client.get(f"{CREDITS}/ledger", headers=owner.headers)).json()["items"]
    lines = sorted((r["entry"], r["amount_paise"]) for r in rows)
    assert sum(amount for _, amount in lines) == balance  # the ledger sums to the balance
    return balance, lines


async def _deliveries(apps: Apps, owner: LoggedIn) -> dict[str, dict[str, Any]]:
    log = await apps.client("message").get(
        "/api/messages/deliveries", params={"kind": "booking_confirmed"}, headers=owner.headers
    )
    return {d["channel"]: d for d in log.json()["items"]}


async def test_without_credits_paid_channels_are_skipped_and_email_still_tells(
    apps: Apps, phones: tuple[FakeWhatsApp, FakeMsg91]
) -> None:
    ready = await ready_library(apps, students=1)
    await paid(apps, ready.owner, booking_body(ready))
    await paid_channels_skipped(apps, ready.owner, phones, "insufficient_credits")
    assert await _ledger(apps, ready.owner) == (0, [])


async def paid_channels_skipped(
    apps: Apps, owner: LoggedIn, phones: tuple[FakeWhatsApp, FakeMsg91], why: str
) -> None:
    """The booking confirmation's WhatsApp and SMS skipped for `why`, its e-mail sent."""
    whatsapp, msg91 = phones
    for _ in range(3):
        await deliver_messages(apps)
    by_channel = await _deliveries(apps, owner)
    assert (by_channel["whatsapp"]["status"], by_channel["whatsapp"]["last_error"]) == (
        "skipped",
        why,
    )
    assert by_channel["sms"]["last_error"] == why
    assert by_channel["email"]["status"] == "sent"
    assert whatsapp.sent == [] and msg91.sent == []


async def test_an_accepted_message_spends_what_it_reserved(
    apps: Apps, phones: tuple[FakeWhatsApp, FakeMsg91]
) -> None:
    ready = await ready_library(apps, students=1)
    await grant_credits(apps, ready.owner, 40)
    await paid(apps, ready.owner, booking_body(ready))
    await deliver_messages(apps)
    assert (await _deliveries(apps, ready.owner))["whatsapp"]["status"] == "sent"
    assert await _ledger(apps, ready.owner) == (
        40 - WHATSAPP_PRICE,
        [("capture", 0), ("grant", 40), ("reserve", -WHATSAPP_PRICE)],
    )


async def test_a_failed_message_gives_its_credits_back_before_the_fallback_reserves(
    apps: Apps, phones: tuple[FakeWhatsApp, FakeMsg91]
) -> None:
    whatsapp, msg91 = phones
    ready = await ready_library(apps, students=1)
    await grant_credits(apps, ready.owner, 40)
    await paid(apps, ready.owner, booking_body(ready))
    student = await apps.client("student").get(
        f"/api/v1/students/{ready.students[0]}", headers=ready.owner.headers
    )
    whatsapp.undeliverable.add(student.json()["phone"].lstrip("+"))
    await deliver_messages(apps)
    await dispatcher(apps).run_once()
    assert len(msg91.sent) == 1
    assert await _ledger(apps, ready.owner) == (
        40 - SMS_PRICE,
        sorted(
            [
                ("grant", 40),
                ("reserve", -WHATSAPP_PRICE),
                ("release", WHATSAPP_PRICE),
                ("reserve", -SMS_PRICE),
                ("capture", 0),
            ]
        ),
    )


async def test_only_platform_admins_grant_and_each_tenant_sees_only_its_own_ledger(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    other = await register_owner(apps)
    await grant_credits(apps, owner, 500)
    client = apps.client("message")
    body = {"amount_paise": 100, "note": "free credits"}
    refused = await client.post(
        f"{CREDITS}/{owner.tenant_id}/grants", json=body, headers=owner.headers
    )
    assert refused.status_code == 403
    admin = await create_platform_user(apps)
    unknown = await client.post(
        f"{CREDITS}/{uuid.uuid4()}/grants", json=body, headers=admin.headers
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "tenant_not_found"
    too_much = await client.post(
        f"{CREDITS}/{owner.tenant_id}/grants",
        json={"amount_paise": 100_000_001, "note": "x"},
        headers=admin.headers,
    )
    assert too_much.status_code == 422
    assert await _ledger(apps, other) == (0, [])
    assert await _ledger(apps, owner) == (500, [("grant", 500)])
