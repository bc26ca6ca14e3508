"""MSG91 delivery reports: MSG91 signs nothing, so its webhook URL carries a secret token;
every SMS we send names its delivery in a CRQID that the report echoes. A report moves the
delivery forwards once, and a failure falls back to the next channel."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from studyspot.services.message.channels.msg91 import crqid_of, reference_of
from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fakes.whatsapp import FakeWhatsApp
from tests.fixtures.messages import deliver_messages, dispatcher, use_phone_channels
from tests.message.test_phone_channels import (
    _close_providers,
    _confirmed_booking,
    _deliveries,
    _events,
    msg91,
    whatsapp,
)

REPORTS = "/api/messages/webhooks/msg91"
TOKEN = secrets.token_urlsafe(24)


async def _sms_sent(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """A booking confirmation WhatsApp cannot deliver, sent by SMS instead."""
    use_phone_channels(apps, whatsapp, msg91, "booking_confirmed", msg91_webhook_token=TOKEN)
    ready, student = await _confirmed_booking(apps)
    whatsapp.undeliverable.add(student["phone"].lstrip("+"))
    await deliver_messages(apps)
    await dispatcher(apps).run_once()
    [sent] = msg91.sent
    sms = (await _deliveries(apps, ready))["sms"]
    assert sms["status"] == "sent"
    return ready, sent, sms


def test_a_crqid_packs_the_tenant_and_delivery_within_msg91s_alphabet() -> None:
    import uuid

    reference = f"{uuid.uuid4()}:{uuid.uuid4()}"
    crqid = crqid_of(reference)
    assert len(crqid) == 43 and all(c.isalnum() or c in "-_" for c in crqid)
    assert reference_of(crqid) == reference
    platform = f"platform:{uuid.uuid4()}"
    assert reference_of(crqid_of(platform)) == platform
    assert reference_of("0") == "" and reference_of("not base64 at all!") == ""


async def test_reports_need_the_token_count_once_and_move_forwards(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    ready, sent, sms = await _sms_sent(apps, whatsapp, msg91)
    assert reference_of(sent["recipients"][0]["CRQID"]).endswith(f":{sms['id']}")
    client = apps.client("message")
    body, headers = msg91.report(sent, "1")

    for params in ({}, {"token": "x" * 32}, {"token": TOKEN[:-1]}):
        refused = await client.post(REPORTS, params=params, content=body, headers=headers)
        assert refused.status_code == 401, refused.text
        assert refused.json()["code"] == "invalid_signature"
    assert (await _deliveries(apps, ready))["sms"]["status"] == "sent"
    assert await _events(apps, sms["id"]) == 0

    first = await client.post(REPORTS, params={"token": TOKEN}, content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"recorded": 1, "duplicates": 0, "unknown": 0, "stopped": 0}
    again = await client.post(REPORTS, params={"token": TOKEN}, content=body, headers=headers)
    assert again.json() == {"recorded": 0, "duplicates": 1, "unknown": 0, "stopped": 0}
    assert (await _deliveries(apps, ready))["sms"]["status"] == "delivered"
    # A status that says no more than "sent" (8: submitted to the operator) adds nothing.
    body, headers = msg91.report(sent, "8", version="v3")
    late = await client.post(REPORTS, params={"token": TOKEN}, content=body, headers=headers)
    assert late.json() == {"recorded": 0, "duplicates": 0, "unknown": 0, "stopped": 0}
    assert (await _deliveries(apps, ready))["sms"]["status"] == "delivered"
    assert await _events(apps, sms["id"]) == 1


async def test_a_blocked_number_reported_later_falls_back_to_email_once(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    ready, sent, _ = await _sms_sent(apps, whatsapp, msg91)
    body, headers = msg91.report(sent, "17", version="v3")
    client = apps.client("message")
    for _ in range(2):
        resp = await client.post(REPORTS, params={"token": TOKEN}, content=body, headers=headers)
        assert resp.status_code == 200, resp.text
    await dispatcher(apps).run_once()
    by_channel = await _deliveries(apps, ready)
    assert (by_channel["sms"]["status"], by_channel["sms"]["last_error"]) == (
        "failed",
        "sms_blocked",
    )
    assert by_channel["email"]["status"] == "sent"


async def test_a_report_naming_another_delivery_or_no_report_changes_nothing(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91
) -> None:
    import uuid

    ready, sent, sms = await _sms_sent(apps, whatsapp, msg91)
    client = apps.client("message")
    # Our request id, but a CRQID naming a delivery that is not the one sent with it.
    forged = crqid_of(f"{ready.owner.tenant_id}:{uuid.uuid4()}")
    body, headers = msg91.report(sent, "17", crqid=forged)
    resp = await client.post(REPORTS, params={"token": TOKEN}, content=body, headers=headers)
    assert resp.json() == {"recorded": 0, "duplicates": 0, "unknown": 1, "stopped": 0}
    # MSG91's "0" for a request sent without one.
    body, headers = msg91.report(sent, "17", crqid="0")
    resp = await client.post(REPORTS, params={"token": TOKEN}, content=body, headers=headers)
    assert resp.json()["unknown"] == 1
    for junk in (b"data=not-json", b"{}", b"[1, 2]", b"\xff\xfe"):
        bad = await client.post(
            REPORTS,
            params={"token": TOKEN},
            content=junk,
            headers={"content-type": "application/x-www-form-urlencoded"}
            if junk.startswith(b"data")
            else {"content-type": "application/json"},
        )
        assert bad.status_code == 422, (junk, bad.text)
        assert bad.json()["code"] == "malformed_report"
    assert (await _deliveries(apps, ready))["sms"]["status"] == "sent"
    assert await _events(apps, sms["id"]) == 0


@pytest.mark.parametrize("token", ["", None])
async def test_reports_are_refused_when_no_token_is_set(
    apps: Apps, whatsapp: FakeWhatsApp, msg91: FakeMsg91, token: str | None
) -> None:
    use_phone_channels(apps, whatsapp, msg91, "booking_confirmed")
    params = {} if token is None else {"token": token}
    resp = await apps.client("message").post(REPORTS, params=params, content=b"{}")
    assert resp.status_code == 404 and resp.json()["code"] == "channel_not_configured"


__all__ = ["_close_providers", "msg91", "whatsapp"]  # fixtures, imported to be used here
