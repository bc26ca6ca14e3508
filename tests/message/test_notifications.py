"""Booking news reaches the student: in the in-app feed at once, and by e-mail from the
dispatcher, in the student's language, with consent, suppressions and quiet hours respected."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from studyspot.kit.db import unit_of_work
from studyspot.kit.outbox import publish
from studyspot.services.booking.events import BookingRenewalDue
from tests.conftest import Apps
from tests.fixtures.bookings import booking_body, paid, ready_library, student_login
from tests.fixtures.messages import Clock, deliver_messages, dispatcher, run_consumers, use_smtp
from tests.fixtures.smtp import smtp_server
from tests.fixtures.users import LoggedIn

NOTIFICATIONS = "/api/messages/notifications"
# The `shifts` plan of ready_library: ₹1,500 incl. GST + ₹500 registration + ₹1,000 deposit.
BOOKING_TOTAL = "₹3,000.00"


async def _student_with_a_paid_booking(apps: Apps) -> tuple[Any, LoggedIn, dict[str, Any]]:
    ready = await ready_library(apps, students=1)
    student = await student_login(apps, ready, ready.students[0])
    booking = await paid(apps, ready.owner, booking_body(ready))
    return ready, student, booking


async def _student_email(apps: Apps, ready: Any, student_id: uuid.UUID) -> str:
    record = await apps.client("student").get(
        f"/api/v1/students/{student_id}", headers=ready.owner.headers
    )
    email: str = record.json()["email"]
    return email


async def test_a_paid_booking_is_in_the_students_feed_and_mailbox_once(apps: Apps) -> None:
    ready, student, booking = await _student_with_a_paid_booking(apps)
    email = await _student_email(apps, ready, ready.students[0])
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await deliver_messages(apps)
        await deliver_messages(apps)
        # Besides the invites the student logged in with: the confirmation, once.
        [mail] = [m for m in inbox.to(email) if m["Subject"] == "Your seat is confirmed"]
    assert BOOKING_TOTAL in mail.get_content()
    assert "List-Unsubscribe" not in mail  # transactional: nothing to unsubscribe from

    client = apps.client("message")
    feed = await client.get(NOTIFICATIONS, headers=student.headers)
    assert feed.status_code == 200, feed.text
    [note] = feed.json()["items"]
    assert note["kind"] == "booking_confirmed" and note["read_at"] is None
    assert note["title"] == "Your seat is confirmed"
    start = date.fromisoformat(booking["start_date"]).strftime("%d %b %Y")
    assert start in note["body"] and BOOKING_TOTAL in note["body"]
    count = await client.get(f"{NOTIFICATIONS}/unread-count", headers=student.headers)
    assert count.json() == {"unread": 1}


async def test_the_student_marks_notifications_read_and_no_one_else_can(apps: Apps) -> None:
    ready, student, _ = await _student_with_a_paid_booking(apps)
    await run_consumers(apps)
    client = apps.client("message")
    [note] = (await client.get(NOTIFICATIONS, headers=student.headers)).json()["items"]

    # The owner has a feed of its own; the student's notification is not in it.
    owners = await client.get(NOTIFICATIONS, headers=ready.owner.headers)
    assert owners.json()["total"] == 0
    theirs = await client.post(f"{NOTIFICATIONS}/{note['id']}/read", headers=ready.owner.headers)
    assert theirs.status_code == 404 and theirs.json()["code"] == "notification_not_found"

    read = await client.post(f"{NOTIFICATIONS}/{note['id']}/read", headers=student.headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    again = await client.post(f"{NOTIFICATIONS}/{note['id']}/read", headers=student.headers)
    assert again.json()["read_at"] == read.json()["read_at"]
    unread = await client.get(NOTIFICATIONS, params={"unread": "true"}, headers=student.headers)
    assert unread.json()["total"] == 0
    all_read = await client.post(f"{NOTIFICATIONS}/read-all", headers=student.headers)
    assert all_read.json() == {"marked": 0}


async def test_a_student_who_chose_hindi_is_told_in_hindi(apps: Apps) -> None:
    ready = await ready_library(apps, students=1)
    student = await student_login(apps, ready, ready.students[0])
    client = apps.client("message")
    chose = await client.put(
        "/api/messages/preferences", json={"language": "hi"}, headers=student.headers
    )
    assert chose.status_code == 200 and chose.json() == {"language": "hi"}
    refused = await client.put(
        "/api/messages/preferences", json={"language": "fr"}, headers=student.headers
    )
    assert refused.status_code == 422
    await paid(apps, ready.owner, booking_body(ready))
    email = await _student_email(apps, ready, ready.students[0])
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await deliver_messages(apps)
        [mail] = [m for m in inbox.to(email) if "invited" not in str(m["Subject"])]
    assert mail["Subject"] == "आपकी सीट पक्की हो गई है"
    [note] = (await client.get(NOTIFICATIONS, headers=student.headers)).json()["items"]
    assert note["title"] == "आपकी सीट पक्की हो गई है" and note["language"] == "hi"


async def test_a_suppressed_address_gets_no_email_but_the_feed_still_tells(apps: Apps) -> None:
    ready = await ready_library(apps, students=1)
    student = await student_login(apps, ready, ready.students[0])
    email = await _student_email(apps, ready, ready.students[0])
    client = apps.client("message")
    made = await client.post(
        "/api/messages/suppressions",
        json={"channel": "email", "address": email.upper()},
        headers=ready.owner.headers,
    )
    assert made.status_code == 201, made.text
    await paid(apps, ready.owner, booking_body(ready))
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await deliver_messages(apps)
        assert inbox.to(email) == []  # the pending invites too: suppressed means nothing
    assert (await client.get(NOTIFICATIONS, headers=student.headers)).json()["total"] == 1
    log = await client.get(
        "/api/messages/deliveries",
        params={"kind": "booking_confirmed"},
        headers=ready.owner.headers,
    )
    [skipped] = log.json()["items"]
    assert (skipped["status"], skipped["last_error"]) == ("skipped", "suppressed")

    listed = await client.get("/api/messages/suppressions", headers=ready.owner.headers)
    [entry] = listed.json()["items"]
    assert entry["address"] == email.lower() and entry["reason"] == "manual"
    lifted = await client.delete(
        f"/api/messages/suppressions/{entry['id']}", headers=ready.owner.headers
    )
    assert lifted.status_code == 204
    assert (
        await client.delete(
            f"/api/messages/suppressions/{entry['id']}", headers=ready.owner.headers
        )
    ).status_code == 404


async def _renewal_due(apps: Apps, ready: Any, student_id: uuid.UUID) -> None:
    """`booking.renewal_due` for the student, as the booking service's sweeper writes it."""
    event = BookingRenewalDue(
        booking_id=uuid.uuid4(),
        student_id=student_id,
        library_id=ready.library_id,
        end_date=date(2027, 1, 6),
        renewal_start_date=date(2027, 1, 7),
    )
    db = apps.app("message").state.kit.tenants.shared
    async with unit_of_work(db, tenant_id=ready.tenant_id) as session:
        await publish(
            session, event.topic, event.model_dump(mode="json"), tenant_id=ready.tenant_id
        )


async def test_reminders_need_consent_and_wait_for_the_quiet_hours_to_end(apps: Apps) -> None:
    ready = await ready_library(apps, students=2)
    consenting, silent = ready.students
    student = await student_login(apps, ready, consenting)
    client = apps.client("message")
    agreed = await client.put(
        f"/api/messages/consents/{consenting}",
        json={"channel": "email", "purpose": "reminders", "granted": True, "notice_version": "v3"},
        headers=student.headers,
    )
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["recorded_by_type"] == "student"
    await _renewal_due(apps, ready, consenting)
    await _renewal_due(apps, ready, silent)
    email = await _student_email(apps, ready, consenting)

    # 22:00 in India: reminders wait until 10:00.
    clock = Clock(apps, datetime(2030, 1, 5, 16, 30, tzinfo=UTC))
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await run_consumers(apps)
        await dispatcher(apps).run_once()
        assert inbox.messages == []
        clock.now = datetime(2030, 1, 6, 4, 29, tzinfo=UTC)  # 09:59 IST
        await dispatcher(apps).run_once()
        assert inbox.messages == []
        clock.now = datetime(2030, 1, 6, 4, 30, tzinfo=UTC)  # 10:00 IST
        await dispatcher(apps).run_once()
        [mail] = inbox.messages
    assert mail["To"] == email
    assert mail["Subject"] == "Your seat runs out on 06 Jan 2027"
    log = await client.get(
        "/api/messages/deliveries", params={"kind": "renewal_due"}, headers=ready.owner.headers
    )
    by_user = {d["recipient_user_id"]: d for d in log.json()["items"]}
    assert by_user[str(consenting)]["status"] == "sent"
    assert (by_user[str(silent)]["status"], by_user[str(silent)]["last_error"]) == (
        "skipped",
        "no_consent",
    )


async def test_a_withdrawal_stops_a_reminder_already_waiting(apps: Apps) -> None:
    ready = await ready_library(apps, students=1)
    student_id = ready.students[0]
    student = await student_login(apps, ready, student_id)
    client = apps.client("message")
    consent = {"channel": "email", "purpose": "reminders", "notice_version": "v3"}
    await client.put(
        f"/api/messages/consents/{student_id}",
        json={**consent, "granted": True},
        headers=ready.owner.headers,
    )
    await _renewal_due(apps, ready, student_id)
    clock = Clock(apps, datetime(2030, 1, 5, 16, 30, tzinfo=UTC))  # 22:00 IST: it waits
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await run_consumers(apps)
        await dispatcher(apps).run_once()
        withdrawn = await client.put(
            f"/api/messages/consents/{student_id}",
            json={**consent, "granted": False},
            headers=student.headers,
        )
        assert withdrawn.status_code == 200 and withdrawn.json()["granted"] is False
        clock.advance(hours=12)
        await dispatcher(apps).run_once()
        assert inbox.messages == []
    consents = await client.get(f"/api/messages/consents/{student_id}", headers=student.headers)
    [row] = consents.json()
    assert (row["purpose"], row["granted"], row["notice_version"]) == ("reminders", False, "v3")


async def test_only_the_person_or_the_desk_records_consent(apps: Apps) -> None:
    ready = await ready_library(apps, students=2)
    me, other = ready.students
    student = await student_login(apps, ready, me)
    client = apps.client("message")
    body = {"channel": "sms", "purpose": "promotional", "granted": True, "notice_version": "v1"}
    refused = await client.put(
        f"/api/messages/consents/{other}", json=body, headers=student.headers
    )
    assert refused.status_code == 403
    peek = await client.get(f"/api/messages/consents/{other}", headers=student.headers)
    assert peek.status_code == 403
    transactional = await client.put(
        f"/api/messages/consents/{me}",
        json={**body, "purpose": "transactional"},
        headers=student.headers,
    )
    assert transactional.status_code == 422
