"""Events the payment service publishes (through the outbox, in the changing transaction).

- `payment.captured` `{payment_id, booking_id, tenant_id, amount_paise, student_id,
  library_id, invoice_number, invoice_kind, captured_at}`: money is in; the booking
  service confirms the booking (docs/internal-api.md), the message service sends the
  student a receipt with the invoice's number (`tax_invoice` or `receipt`).
- `payment.failed` `{payment_id, booking_id, tenant_id, amount_paise, reason, student_id,
  library_id, failed_at}`: the message service tells the student the payment did not go
  through.
- `refund.processed` `{refund_id, payment_id, booking_id, tenant_id, amount_paise,
  student_id, library_id, processed_at, credit_note_number}`: the message service tells
  the student the money went back (`credit_note_number` is null when the payment had no
  invoice to credit).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.outbox import publish
from studyspot.services.payment.models import Invoice, Payment, Refund


class PaymentCaptured(BaseModel):
    payment_id: uuid.UUID
    booking_id: uuid.UUID
    tenant_id: uuid.UUID
    amount_paise: int = Field(gt=0)


class PaymentCapturedNotice(PaymentCaptured):
    """`payment.captured`: who paid, where, and the document the capture issued."""

    student_id: uuid.UUID
    library_id: uuid.UUID
    invoice_number: str = Field(max_length=16)
    invoice_kind: str = Field(max_length=16)
    captured_at: datetime


class PaymentFailed(PaymentCaptured):
    reason: str | None = Field(default=None, max_length=200)
    student_id: uuid.UUID
    library_id: uuid.UUID
    failed_at: datetime


class RefundProcessed(BaseModel):
    refund_id: uuid.UUID
    payment_id: uuid.UUID
    booking_id: uuid.UUID
    tenant_id: uuid.UUID
    amount_paise: int = Field(gt=0)
    student_id: uuid.UUID
    library_id: uuid.UUID
    processed_at: datetime
    credit_note_number: str | None = Field(default=None, max_length=16)


async def payment_captured(session: AsyncSession, payment: Payment, invoice: Invoice) -> None:
    assert payment.captured_at is not None
    body = PaymentCapturedNotice(
        payment_id=payment.id,
        booking_id=payment.booking_id,
        tenant_id=payment.tenant_id,
        amount_paise=payment.amount_paise,
        student_id=payment.student_id,
        library_id=payment.library_id,
        invoice_number=invoice.number,
        invoice_kind=invoice.kind,
        captured_at=payment.captured_at,
    )
    await publish(
        session, "payment.captured", body.model_dump(mode="json"), tenant_id=payment.tenant_id
    )


async def payment_failed(session: AsyncSession, payment: Payment) -> None:
    assert payment.failed_at is not None
    body = PaymentFailed(
        payment_id=payment.id,
        booking_id=payment.booking_id,
        tenant_id=payment.tenant_id,
        amount_paise=payment.amount_paise,
        reason=payment.failure_reason,
        student_id=payment.student_id,
        library_id=payment.library_id,
        failed_at=payment.failed_at,
    )
    await publish(
        session, "payment.failed", body.model_dump(mode="json"), tenant_id=payment.tenant_id
    )


async def refund_processed(
    session: AsyncSession, payment: Payment, refund: Refund, credit_note: Invoice | None
) -> None:
    assert refund.processed_at is not None
    body = RefundProcessed(
        refund_id=refund.id,
        payment_id=payment.id,
        booking_id=payment.booking_id,
        tenant_id=payment.tenant_id,
        amount_paise=refund.amount_paise,
        student_id=payment.student_id,
        library_id=payment.library_id,
        processed_at=refund.processed_at,
        credit_note_number=credit_note.number if credit_note is not None else None,
    )
    await publish(
        session, "refund.processed", body.model_dump(mode="json"), tenant_id=payment.tenant_id
    )
