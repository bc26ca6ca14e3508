"""Events the message service turns into deliveries and notifications (docs/events.md).

Link events of a tenant's users are queued in that tenant's database; those of
platform users (no tenant) in the core database. Each consumer skips the
other's events, so every link is queued exactly once.

Booking events become notifications in the student's in-app feed; the
dispatcher fans them out to e-mail afterwards (it asks the student service for
the address, which a consumer, inside its transaction, must not).

A captured payment (`payment.captured`) becomes a receipt in the paying student's
feed, fanned out the same way; a failed payment (`payment.failed`) and a refund
(`refund.processed`) likewise tell the student.

The subscription service's notices (trial ending, pre-debit, dunning, grace,
read-only, suspended) become one notification for the tenant's owners, which the
dispatcher turns into each owner's feed entry and e-mail (`owner_notices.py`).

An admission, a captured payment and a cancelled booking at a branch become a notice in the
feed of its owners and of the staff assigned to it (`library_notices.py`).

Credits bought from StudySpot and paid (`subscription.credits_purchased`, announced by the
platform's merchant with its GST invoice) go into the tenant's wallet, once per purchase
(`credit_purchases.py`).

The consent an admission form or an import gave (`student.consent_recorded`) becomes
each student's `reminders` consent per channel (`consent.py`); a minor's guardian is
asked for theirs (`student.guardian_consent_needed`, `guardians.py`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.events import Consumer, Event
from studyspot.kit.models import utcnow
from studyspot.services.message.consent import record_from_student_record
from studyspot.services.message.credit_purchases import settle
from studyspot.services.message.guardians import request_consent
from studyspot.services.message.library_notices import TOPICS as LIBRARY_TOPICS
from studyspot.services.message.library_notices import note_for_team
from studyspot.services.message.links import queue_link
from studyspot.services.message.models import PlatformDelivery
from studyspot.services.message.notifications import notify
from studyspot.services.message.owner_notices import OWNER_NOTICES, note_for_owners
from studyspot.services.message.repository import DeliveryRepository
from studyspot.services.message.templates import variables_for
from studyspot.services.message.upstream import (
    CONSENT_TOPIC,
    CREDITS_PURCHASED,
    GUARDIAN_CONSENT_TOPIC,
    LINK_TOPICS,
    CreditsPurchased,
    GuardianConsentNeeded,
    StudentConsentRecorded,
)


async def on_tenant_link(event: Event, session: AsyncSession) -> None:
    if event.tenant_id is None:
        return
    await queue_link(DeliveryRepository(session, event.tenant_id), event, now=utcnow())


async def on_platform_link(event: Event, session: AsyncSession) -> None:
    if event.tenant_id is not None:
        return
    await queue_link(DeliveryRepository(session, None, PlatformDelivery), event, now=utcnow())


# Booking topic → the kind of notification it makes for the booking's student.
STUDENT_NOTICES = {
    "booking.confirmed": "booking_confirmed",
    "booking.renewal_due": "renewal_due",
    "waitlist.offered": "waitlist_offer",
}


async def on_booking_event(event: Event, session: AsyncSession) -> None:
    kind = STUDENT_NOTICES.get(event.topic)
    if event.tenant_id is None or kind is None:
        return
    await notify(
        session,
        event.tenant_id,
        event_id=event.id,
        kind=kind,
        user_id=uuid.UUID(str(event.payload["student_id"])),
        user_type="student",
        variables=variables_for(kind, event.payload),
        now=utcnow(),
    )


class PaymentNotice(BaseModel):
    """What every payment notice reads of its event (the payment service's models;
    tests/test_event_contracts.py keeps the two in step)."""

    student_id: uuid.UUID
    amount_paise: int


class PaymentReceipt(PaymentNotice):
    invoice_number: str
    captured_at: datetime


class PaymentFailedNotice(PaymentNotice):
    failed_at: datetime


class RefundNotice(PaymentNotice):
    processed_at: datetime


# Payment topic → (the kind of notification it makes for the paying student, the model it
# is read with, each of the kind's variables ← the payload field it is read from).
PAYMENT_NOTICES: dict[str, tuple[str, type[PaymentNotice], dict[str, str]]] = {
    "payment.captured": (
        "payment_receipt",
        PaymentReceipt,
        {
            "amount_paise": "amount_paise",
            "invoice_number": "invoice_number",
            "paid_at": "captured_at",
        },
    ),
    "payment.failed": (
        "payment_failed",
        PaymentFailedNotice,
        {"amount_paise": "amount_paise", "failed_at": "failed_at"},
    ),
    "refund.processed": (
        "refund_processed",
        RefundNotice,
        {"amount_paise": "amount_paise", "refunded_at": "processed_at"},
    ),
}


async def on_payment_event(event: Event, session: AsyncSession) -> None:
    """A receipt, a failed payment or a refund in the paying student's feed, once per
    event; the dispatcher fans it out like any student notice (channel order, consent, a
    minor's guardian). An event without the fields (published before they were added)
    makes nothing."""
    payload = event.payload
    notice = PAYMENT_NOTICES.get(event.topic)
    if event.tenant_id is None or notice is None:
        return
    kind, model, fields = notice
    if not model.model_fields.keys() <= set(payload):
        return
    read = model.model_validate(payload)
    # As the payment service wrote them: the message shows the moment it happened.
    variables: dict[str, object] = {name: str(payload[field]) for name, field in fields.items()}
    variables["amount_paise"] = read.amount_paise
    await notify(
        session,
        event.tenant_id,
        event_id=event.id,
        kind=kind,
        user_id=read.student_id,
        user_type="student",
        variables=variables,
        now=utcnow(),
    )


async def on_subscription_notice(event: Event, session: AsyncSession) -> None:
    if event.tenant_id is None:
        return
    await note_for_owners(
        session,
        event.tenant_id,
        event_id=event.id,
        topic=event.topic,
        payload=event.payload,
        now=utcnow(),
    )


async def on_student_consent(event: Event, session: AsyncSession) -> None:
    """The admission form's or import's answers per channel (`student.consent_recorded`):
    this service alone keeps message consent, the student service only forwards it."""
    if event.tenant_id is None:
        return
    await record_from_student_record(
        session, event.tenant_id, StudentConsentRecorded.model_validate(event.payload)
    )


async def on_guardian_consent_needed(event: Event, session: AsyncSession) -> None:
    """A minor admitted, their guardian's contact changed, or their consent recorded at the
    desk: the guardian is sent a consent request, once per event."""
    if event.tenant_id is None:
        return
    asked = GuardianConsentNeeded.model_validate(event.payload)
    await request_consent(session, event.tenant_id, asked, event_id=event.id, now=utcnow())


async def on_library_event(event: Event, session: AsyncSession) -> None:
    """An admission, a payment or a cancellation at a branch: one notice for its team, told
    to its owners and staff by the dispatcher (`library_notices.py`)."""
    if event.tenant_id is None:
        return
    await note_for_team(
        session,
        event.tenant_id,
        event_id=event.id,
        topic=event.topic,
        payload=event.payload,
        now=utcnow(),
    )


async def on_credits_purchased(event: Event, session: AsyncSession) -> None:
    """A purchase paid to StudySpot: its credits into the wallet (nothing if Checkout's
    answer settled it first, or the event comes again)."""
    if event.tenant_id is None:
        return
    await settle(session, event.tenant_id, CreditsPurchased.model_validate(event.payload), utcnow())


CONSUMERS = [
    Consumer("message_links", LINK_TOPICS, on_tenant_link),
    Consumer("message_platform_links", LINK_TOPICS, on_platform_link, database="core"),
    Consumer("message_student_notices", tuple(STUDENT_NOTICES), on_booking_event),
    Consumer("message_owner_notices", tuple(OWNER_NOTICES), on_subscription_notice),
    Consumer("message_payment_receipts", ("payment.captured",), on_payment_event),
    # Its own name: a consumer's name keys its ledger and durable subscription, so the
    # receipts' consumer keeps its topics.
    Consumer("message_payment_outcomes", ("payment.failed", "refund.processed"), on_payment_event),
    Consumer("message_student_consents", (CONSENT_TOPIC,), on_student_consent),
    Consumer("message_guardian_consents", (GUARDIAN_CONSENT_TOPIC,), on_guardian_consent_needed),
    Consumer("message_credit_purchases", (CREDITS_PURCHASED,), on_credits_purchased),
    Consumer("message_library_notices", LIBRARY_TOPICS, on_library_event),
]
