"""The state changes of a payment, one function each: lock, check, change, audit, event.

created → pending → captured | failed; captured → partially_refunded → refunded.
Nothing leaves the captured states except by refund. A provider's word that
the money was captured wins over an earlier failure of the same order (the
student retried), because money taken must never be lost; a failure after a
capture changes nothing.
"""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record
from studyspot.kit.models import utcnow
from studyspot.kit.scope import Actor
from studyspot.services.payment import events, invoicing
from studyspot.services.payment.errors import PaymentNotFound, RefundNotFound
from studyspot.services.payment.models import Payment, Refund
from studyspot.services.payment.providers.base import Settlement
from studyspot.services.payment.repository import Dues, Invoices, Payments, Refunds

CAPTURED = ("captured", "partially_refunded", "refunded")
OPEN = ("created", "pending")


CaptureResult = Literal["captured", "already", "refused"]


async def locked_payment(
    session: AsyncSession, tenant_id: uuid.UUID, payment_id: uuid.UUID
) -> Payment:
    payment = await Payments(session, tenant_id).locked(payment_id)
    if payment is None:
        raise PaymentNotFound("No such payment")
    return payment


async def capture(
    session: AsyncSession,
    payment: Payment,
    *,
    actor: Actor,
    settlement: Settlement | None = None,
    verified_by: uuid.UUID | None = None,
) -> CaptureResult:
    """Capture a payment whose row the caller has locked (`locked_payment`)."""
    if payment.status in CAPTURED:
        return "already"
    if settlement is not None and (
        settlement.amount_paise != payment.amount_paise or settlement.currency != payment.currency
    ):
        # The provider reports other money than we asked for: never book it as this payment.
        await record(
            session,
            "payment.capture_refused",
            "payment",
            payment.id,
            tenant_id=payment.tenant_id,
            actor_id=actor.id,
            actor_type=actor.type,
            outcome="refused",
            details={
                "expected_paise": payment.amount_paise,
                "reported_paise": settlement.amount_paise,
                "reported_currency": settlement.currency,
            },
        )
        return "refused"
    due = await Dues(session, payment.tenant_id).locked(payment.booking_id)
    assert due is not None, "a payment's due row is made with the payment"
    now = utcnow()
    paid_before = due.net_paid_paise
    previous = payment.status
    payment.status = "captured"
    payment.captured_at = now
    payment.failure_reason = None
    if settlement is not None and settlement.provider_payment_id:
        payment.provider_payment_id = settlement.provider_payment_id
    if verified_by is not None:
        payment.verified_by = verified_by
    # Also on a closed due (the booking was cancelled meanwhile): the money was taken, so
    # it must be on the books, where it shows as owed back to the student.
    due.paid_paise += payment.amount_paise
    due.updated_at = now
    invoice = await invoicing.issue_for_capture(
        session, payment, paid_before_paise=max(paid_before, 0), issued_at=now
    )
    await events.payment_captured(session, payment, invoice)
    await record(
        session,
        "payment.captured",
        "payment",
        payment.id,
        tenant_id=payment.tenant_id,
        actor_id=actor.id,
        actor_type=actor.type,
        details={
            "amount_paise": payment.amount_paise,
            "method": payment.method,
            "from": previous,
            "invoice": invoice.number,
        },
    )
    return "captured"


async def fail(
    session: AsyncSession, payment: Payment, *, reason: str | None, actor: Actor
) -> bool:
    """Mark an open payment failed; a captured one stays captured (out-of-order webhooks)."""
    if payment.status not in OPEN:
        return False
    now = utcnow()
    payment.status = "failed"
    payment.failed_at = now
    payment.failure_reason = (reason or "failed")[:200]
    await session.flush()
    await events.payment_failed(session, payment)
    await record(
        session,
        "payment.failed",
        "payment",
        payment.id,
        tenant_id=payment.tenant_id,
        actor_id=actor.id,
        actor_type=actor.type,
        details={"reason": payment.failure_reason},
    )
    return True


async def refund_processed(
    session: AsyncSession, payment: Payment, refund: Refund, *, actor: Actor
) -> bool:
    """A pending refund is done: money went back. Caller holds the payment lock."""
    if refund.status != "pending":
        return False
    now = utcnow()
    refunded_before = payment.refunded_paise
    refund.status = "processed"
    refund.processed_at = now
    payment.refunded_paise += refund.amount_paise
    payment.status = (
        "refunded" if payment.refunded_paise >= payment.amount_paise else "partially_refunded"
    )
    due = await Dues(session, payment.tenant_id).locked(payment.booking_id)
    if due is not None:
        due.refunded_paise += refund.amount_paise
        due.updated_at = now
    originals = [
        i
        for i in await Invoices(session, payment.tenant_id).for_payment(payment.id)
        if i.kind != "credit_note"
    ]
    note = None
    if originals:
        note = await invoicing.issue_credit_note(
            session,
            payment,
            originals[0],
            refund,
            refunded_before_paise=refunded_before,
            issued_at=now,
        )
    await events.refund_processed(session, payment, refund, note)
    await record(
        session,
        "refund.processed",
        "refund",
        refund.id,
        tenant_id=payment.tenant_id,
        actor_id=actor.id,
        actor_type=actor.type,
        details={
            "payment_id": str(payment.id),
            "amount_paise": refund.amount_paise,
            "credit_note": note.number if note else None,
        },
    )
    return True


async def refund_failed(
    session: AsyncSession, payment: Payment, refund: Refund, *, actor: Actor
) -> bool:
    if refund.status != "pending":
        return False
    refund.status = "failed"
    payment.refund_reserved_paise -= refund.amount_paise
    await record(
        session,
        "refund.failed",
        "refund",
        refund.id,
        tenant_id=payment.tenant_id,
        actor_id=actor.id,
        actor_type=actor.type,
        outcome="failure",
        details={"payment_id": str(payment.id), "amount_paise": refund.amount_paise},
    )
    return True


async def locked_refund(
    session: AsyncSession, tenant_id: uuid.UUID, refund_id: uuid.UUID
) -> tuple[Payment, Refund]:
    refund = await Refunds(session, tenant_id).get(refund_id)
    if refund is None or refund.tenant_id != tenant_id:
        raise RefundNotFound("No such refund")
    payment = await locked_payment(session, tenant_id, refund.payment_id)
    await session.refresh(refund)
    return payment, refund
