"""Invoices, receipts and credit notes, as JSON or PDF (`Accept: application/pdf` or `?format=pdf`)."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.invoice_pdf import document_responses, json_or_pdf
from studyspot.services.payment import pdf
from studyspot.services.payment.access import Caller
from studyspot.services.payment.dependencies import InvoicesRead
from studyspot.services.payment.errors import InvoiceNotFound
from studyspot.services.payment.models import Invoice
from studyspot.services.payment.payments import visible_payment
from studyspot.services.payment.repository import Invoices
from studyspot.services.payment.schemas import InvoiceRead

router = APIRouter(prefix="/api/v1/payments", tags=["invoices"])

_DOCUMENT = document_responses("InvoiceRead")


def _answer(read: InvoiceRead, request: Request, format: str | None) -> Response:
    return json_or_pdf(
        request, format, read.number, read.model_dump_json(), lambda: pdf.document(read)
    )


async def _documents(
    session: TenantSession, caller: Caller, payment_id: uuid.UUID
) -> list[Invoice]:
    await visible_payment(session, caller, payment_id)
    return await Invoices(session, caller.tenant_id).for_payment(payment_id)


@router.get(
    "/invoices/{invoice_id}",
    response_model=InvoiceRead,
    responses=_DOCUMENT,
    response_class=Response,
)
async def get_document(
    invoice_id: uuid.UUID,
    request: Request,
    caller: InvoicesRead,
    session: TenantSession,
    format: Literal["json", "pdf"] | None = None,
) -> Response:
    """Any document (invoice, receipt or credit note) by id."""
    invoice = await Invoices(session, caller.tenant_id).get(invoice_id)
    if invoice is None:
        raise InvoiceNotFound("No such invoice")
    await visible_payment(session, caller, invoice.payment_id)
    return _answer(InvoiceRead.of(invoice), request, format)


@router.get(
    "/{payment_id}/invoice",
    response_model=InvoiceRead,
    responses=_DOCUMENT,
    response_class=Response,
)
async def get_invoice(
    payment_id: uuid.UUID,
    request: Request,
    caller: InvoicesRead,
    session: TenantSession,
    format: Literal["json", "pdf"] | None = None,
) -> Response:
    """The tax invoice (or receipt) of a captured payment, with its credit notes' numbers."""
    documents = await _documents(session, caller, payment_id)
    main = next((d for d in documents if d.kind != "credit_note"), None)
    if main is None:
        raise InvoiceNotFound("This payment has no invoice yet (it is not captured)")
    notes = [d.number for d in documents if d.kind == "credit_note"]
    return _answer(InvoiceRead.of(main, notes), request, format)
