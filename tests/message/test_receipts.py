"""A captured payment sends the student a receipt: in the feed at once and on the first
channel the business's order allows (a minor's on the guardian's phone), once per payment
event however often it is handed over, with the amount the Indian way and the number."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from studyspot.kit.db import unit_of_work
from studyspot.kit.events import Event
from studyspot.kit.models import outbox_events
from studyspot.services.message.consumers import on_payment_event
from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fakes.whatsapp import FakeWhatsApp
from tests.fixtures.bookings import (
    ReadyLibrary,
    add_student,
    booked,
    booking_body,
    ready_library,
    student_login,
)
from tests.fixtures.library import unique_mobile
from tests.fixtures.messages import (
    deliver_messages,
    dispatcher,
    grant_credits,
    use_phone_channels,
    use_smtp,
)
from tests.fixtures.payments import created
from tests.fixtures.smtp import smtp_server
from tests.fixtures.students import minor_birth_date
from tests.subscription.test_invoices import pdf_text

NOTIFICATIONS = "/api/messages/notifications"
# The `shifts` plan of ready_library: ₹1,500 incl. GST + ₹500 registration + ₹1,000 deposit.
TOTAL = "₹3,000.00"


async def _pay(apps: Apps, ready: ReadyLibrary, student: uuid.UUID) -> dict[str, Any]:
    held = await booked(apps, ready.owner, booking_body(ready, student=student))
    payment = await created(apps, ready.owner, uuid.UUID(held["id"]), "cash")
    assert payment["status"] == "captured", payment
    return payment


async def _invoice_number(apps: Apps, ready: ReadyLibrary, payment_id: str) -> str:
    resp = await apps.client("payment").get(
        f"/api/v1/payments/{payment_id}", headers=ready.owner.headers
    )
    assert resp.status_code == 200, resp.text
    number: str = resp.json()["invoice_number"]
    return number


async def test_a_captured_payment_sends_one_receipt_in_the_feed_and_by_email(apps: Apps) -> None:
    ready = await ready_library(apps, students=1)
    [sid] = ready.students
    student = await student_login(apps, ready, sid)
    email = (
        await apps.client("student").get(f"/api/v1/students/{sid}", headers=ready.owner.headers)
    ).json()["email"]
    payment = await _pay(apps, ready, sid)
    number = await _invoice_number(apps, ready, payment["id"])
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await deliver_messages(apps)
        await deliver_messages(apps)
        [mail] = [m for m in inbox.to(email) if m["Subject"].startswith("Payment received")]
    assert mail["Subject"] == f"Payment received: {TOTAL}"
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    assert TOTAL in text.get_content() and number in text.get_content()
    # The invoice itself, as the payment service renders it, rides along as a PDF.
    [pdf] = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == number.replace("/", "-") + ".pdf"
    assert number in pdf_text(pdf.get_content()) and "3,000.00" in pdf_text(pdf.get_content())

    feed = await apps.client("message").get(NOTIFICATIONS, headers=student.headers)
    [receipt] = [n for n in feed.json()["items"] if n["kind"] == "payment_receipt"]
    assert receipt["title"] == f"Payment received: {TOTAL}"
    assert number in receipt["body"] and "IST" in receipt["body"]

    # The same event handed over again below the processed-event ledger (a redelivery
    # racing the ledger): the notification's own uniqueness keeps it one.
    db = apps.app("message").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                select(outbox_events)
                .where(outbox_events.c.topic == "payment.captured")
                .order_by(outbox_events.c.seq.desc())
                .limit(1)
            )
        ).one()
    async with unit_of_work(db, tenant_id=ready.tenant_id) as session:
        await on_payment_event(Event.from_row(row), session)
    assert await deliver_messages(apps) == 0
    feed = await apps.client("message").get(NOTIFICATIONS, headers=student.headers)
    assert [n["kind"] for n in feed.json()["items"]].count("payment_receipt") == 1


async def test_a_minors_receipt_goes_to_the_guardians_phone(apps: Apps) -> None:
    ready = await ready_library(apps, students=0)
    guardian = unique_mobile()
    sid = await add_student(
        apps,
        ready.owner,
        ready.library_id,
        date_of_birth=minor_birth_date(),
        guardian_name="Ravi Sharma",
        guardian_phone=guardian,
    )
    whatsapp, msg91 = FakeWhatsApp(), FakeMsg91()
    await whatsapp.start()
    await msg91.start()
    try:
        use_phone_channels(apps, whatsapp, msg91, "payment_receipt")
        await grant_credits(apps, ready.owner, 1_000)  # WhatsApp is paid for
        payment = await _pay(apps, ready, sid)
        number = await _invoice_number(apps, ready, payment["id"])
        await deliver_messages(apps)
        await deliver_messages(apps)
        [sent] = [m for m in whatsapp.sent if m["template"]["name"] == "studyspot_payment_receipt"]
    finally:
        for provider in dispatcher(apps).channels.values():
            await provider.close()
        await whatsapp.stop()
        await msg91.stop()
    assert sent["to"] == "91" + guardian  # the guardian, not the minor
    values = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    assert TOTAL in values and number in values
    assert msg91.sent == []  # WhatsApp took it: SMS is only its fallback


async def _student_email(apps: Apps, ready: ReadyLibrary, sid: uuid.UUID) -> str:
    resp = await apps.client("student").get(f"/api/v1/students/{sid}", headers=ready.owner.headers)
    email: str = resp.json()["email"]
    return email


async def test_a_refund_tells_the_student_once_in_the_feed_and_by_email(apps: Apps) -> None:
    ready = await ready_library(apps, students=1)
    [sid] = ready.students
    student = await student_login(apps, ready, sid)
    email = await _student_email(apps, ready, sid)
    payment = await _pay(apps, ready, sid)
    refunded = await apps.client("payment").post(
        f"/api/v1/payments/{payment['id']}/refunds",
        json={"amount_paise": 100_000, "reason": "Deposit returned"},
        headers=ready.owner.headers,
    )
    assert refunded.status_code in (200, 201), refunded.text
    assert refunded.json()["status"] == "processed"
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await deliver_messages(apps)
        await deliver_messages(apps)
        mails = [m for m in inbox.to(email) if m["Subject"].startswith("Refund")]
    [mail] = mails
    assert mail["Subject"] == "Refund of ₹1,000.00 sent"
    assert "We refunded ₹1,000.00" in mail.get_content() and "IST" in mail.get_content()

    feed = await apps.client("message").get(NOTIFICATIONS, headers=student.headers)
    [notice] = [n for n in feed.json()["items"] if n["kind"] == "refund_processed"]
    assert notice["title"] == "Refund of ₹1,000.00 sent"
    # The receipt of the payment itself is still one, beside the refund.
    assert [n["kind"] for n in feed.json()["items"]].count("payment_receipt") == 1


async def test_a_failed_payment_tells_the_student_and_a_minors_guardian_by_phone(
    apps: Apps,
) -> None:
    ready = await ready_library(apps, students=1)
    [adult] = ready.students
    guardian = unique_mobile()
    minor = await add_student(
        apps,
        ready.owner,
        ready.library_id,
        date_of_birth=minor_birth_date(),
        guardian_name="Ravi Sharma",
        guardian_phone=guardian,
    )
    upi = await apps.client("payment").put(
        "/api/v1/payments/accounts/upi",
        json={"vpa": "lakshya.library@okaxis", "payee_name": "Lakshya Library"},
        headers=ready.owner.headers,
    )
    assert upi.status_code == 200, upi.text
    whatsapp, msg91 = FakeWhatsApp(), FakeMsg91()
    await whatsapp.start()
    await msg91.start()
    try:
        use_phone_channels(apps, whatsapp, msg91, "payment_failed")
        await grant_credits(apps, ready.owner, 1_000)
        for sid, seat in ((adult, ready.seats[0]), (minor, ready.seats[1])):
            held = await booked(apps, ready.owner, booking_body(ready, student=sid, seat=seat))
            payment = await created(apps, ready.owner, uuid.UUID(held["id"]), "upi")
            rejected = await apps.client("payment").post(
                f"/api/v1/payments/{payment['id']}/reject",
                json={"reason": "Not on the statement"},
                headers=ready.owner.headers,
            )
            assert rejected.json()["status"] == "failed", rejected.text
        await deliver_messages(apps)
        await deliver_messages(apps)
        sent = [m for m in whatsapp.sent if m["template"]["name"] == "studyspot_payment_failed"]
    finally:
        for provider in dispatcher(apps).channels.values():
            await provider.close()
        await whatsapp.stop()
        await msg91.stop()
    assert len(sent) == 2  # one each, however often the dispatcher ran
    recipients = {m["to"] for m in sent}
    assert "91" + guardian in recipients  # the minor's went to the guardian
    for message in sent:
        values = [p["text"] for p in message["template"]["components"][0]["parameters"]]
        assert TOTAL in values

    minor_login = await student_login(apps, ready, minor)
    feed = await apps.client("message").get(NOTIFICATIONS, headers=minor_login.headers)
    [notice] = [n for n in feed.json()["items"] if n["kind"] == "payment_failed"]
    assert notice["title"] == f"Payment not received: {TOTAL}"
    assert "did not go through" in notice["body"]
