"""`/internal/*` of the payment service: a student's payments and balance, students with dues,
dues falling due on given days (the message service's fee reminders), an invoice's PDF (the
receipt's e-mail attaches it).

Service token only (`InternalCaller`), never routed by the gateway. A token
that names a tenant must name the tenant the call is about.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from studyspot.kit.errors import Unprocessable, problem_responses
from studyspot.kit.invoice_pdf import render
from studyspot.kit.pagination import Paging
from studyspot.kit.service_auth import InternalSession, InternalTenant, accept_callers
from studyspot.services.payment import internal, pdf
from studyspot.services.payment.client import (
    MAX_DUE_DATES,
    DuesToCollect,
    InternalPaymentPage,
    StudentBalance,
    StudentsWithDues,
)
from studyspot.services.payment.errors import InvoiceNotFound
from studyspot.services.payment.repository import Invoices
from studyspot.services.payment.schemas import InvoiceRead

router = APIRouter(prefix="/internal", include_in_schema=False)


@router.get(
    "/students/{student_id}/payments",
    responses=problem_responses(401, 403),
    dependencies=[accept_callers("student")],
)
async def student_payments(
    student_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession, paging: Paging
) -> InternalPaymentPage:
    return await internal.student_payments(session, tenant_id, student_id, paging)


@router.get(
    "/students/{student_id}/dues",
    responses=problem_responses(401, 403),
    dependencies=[accept_callers("student")],
)
async def student_balance(
    student_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession
) -> StudentBalance:
    return await internal.student_balance(session, tenant_id, student_id)


@router.get(
    "/dues/students",
    responses=problem_responses(401, 403),
    dependencies=[accept_callers("message", "student")],
)
async def students_with_dues(
    tenant_id: InternalTenant,
    session: InternalSession,
    library_id: uuid.UUID | None = None,
) -> StudentsWithDues:
    return await internal.students_with_dues(session, tenant_id, library_id)


@router.get(
    "/dues",
    responses=problem_responses(401, 403),
    dependencies=[accept_callers("message")],
)
async def dues_to_collect(
    tenant_id: InternalTenant,
    session: InternalSession,
    due_dates: Annotated[
        str,
        Query(
            min_length=10,
            max_length=11 * MAX_DUE_DATES,
            pattern=r"^\d{4}-\d{2}-\d{2}(,\d{4}-\d{2}-\d{2})*$",
            description="Comma-separated YYYY-MM-DD, at most 10",
        ),
    ],
) -> DuesToCollect:
    try:
        dates = [date.fromisoformat(d) for d in due_dates.split(",")]
    except ValueError as exc:
        raise Unprocessable("Not a date", code="validation_error") from exc
    if len(dates) > MAX_DUE_DATES:
        raise Unprocessable(f"At most {MAX_DUE_DATES} due dates", code="validation_error")
    return await internal.dues_to_collect(session, tenant_id, dates)


@router.get(
    "/invoices/pdf",
    response_class=Response,
    responses=problem_responses(401, 403, 404, 422),
    dependencies=[accept_callers("message")],
)
async def invoice_pdf(
    tenant_id: InternalTenant,
    session: InternalSession,
    number: Annotated[str, Query(min_length=1, max_length=16)],
) -> Response:
    """The PDF of the tax invoice, receipt or credit note numbered `number` (numbers carry
    their series, so one names one document in the tenant), as the console serves it: the
    message service attaches it to the receipt's e-mail rather than rendering its own."""
    invoices = Invoices(session, tenant_id)
    found = await invoices.by_number(number)
    if found is None:
        raise InvoiceNotFound("No such invoice")
    documents = await invoices.for_payment(found.payment_id)
    notes = [d.number for d in documents if d.kind == "credit_note" and found.kind != "credit_note"]
    return Response(
        render(pdf.document(InvoiceRead.of(found, notes))), media_type="application/pdf"
    )
