"""Withdrawal as easy as consent: every reminder e-mail carries a one-click unsubscribe link
(RFC 8058) that withdraws exactly that consent, and cannot be forged for someone else."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from tests.conftest import Apps
from tests.fixtures.bookings import ready_library, student_login
from tests.fixtures.messages import Clock, deliver_messages, dispatcher, run_consumers, use_smtp
from tests.fixtures.smtp import smtp_server
from tests.message.test_notifications import _renewal_due, _student_email

UNSUBSCRIBE = "/api/messages/unsubscribe"


async def test_a_reminder_carries_one_click_unsubscribe_that_stops_the_next_one(
    apps: Apps,
) -> None:
    ready = await ready_library(apps, students=1)
    student_id = ready.students[0]
    student = await student_login(apps, ready, student_id)
    client = apps.client("message")
    consent = {"channel": "email", "purpose": "reminders", "notice_version": "v3", "granted": True}
    await client.put(f"/api/messages/consents/{student_id}", json=consent, headers=student.headers)
    email = await _student_email(apps, ready, student_id)
    await _renewal_due(apps, ready, student_id)
    clock = Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))  # 11:30 IST
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await run_consumers(apps)
        await dispatcher(apps).run_once()
        [mail] = [m for m in inbox.to(email) if "runs out" in str(m["Subject"])]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(mail["List-Unsubscribe"]).strip("<>")
    assert f"To stop these messages: {link}" in mail.get_content()
    token = parse_qs(urlsplit(link).query)["token"][0]

    looked = await client.get(UNSUBSCRIBE, params={"token": token})
    assert looked.json() == {"channel": "email", "purpose": "reminders", "withdrawn": False}
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    refused = await client.post(UNSUBSCRIBE, params={"token": forged})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_unsubscribe_token"
    mine = await client.get(f"/api/messages/consents/{student_id}", headers=student.headers)
    assert mine.json()[0]["granted"] is True  # neither looking nor forging changed it

    done = await client.post(
        UNSUBSCRIBE, params={"token": token}, content=b"List-Unsubscribe=One-Click"
    )
    assert done.status_code == 200 and done.json()["withdrawn"] is True
    [row] = (
        await client.get(f"/api/messages/consents/{student_id}", headers=student.headers)
    ).json()
    assert (row["granted"], row["recorded_by_type"]) == (False, "recipient")

    await _renewal_due(apps, ready, student_id)
    clock.advance(hours=1)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await deliver_messages(apps)
        assert inbox.to(email) == []


async def test_transactional_email_has_no_unsubscribe_link(apps: Apps) -> None:
    ready = await ready_library(apps, students=1)
    email = await _student_email(apps, ready, ready.students[0])
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        invited = await apps.client("student").post(
            f"/api/v1/students/{ready.students[0]}/invite", headers=ready.owner.headers
        )
        assert invited.status_code == 202
        await deliver_messages(apps)
        [mail] = inbox.to(email)
    assert "List-Unsubscribe" not in mail and "To stop these messages" not in mail.get_content()
