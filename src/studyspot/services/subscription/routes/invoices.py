"""The tenant's billing details and the GST invoices StudySpot issued to it."""

from __future__ import annotations

import uuid
from typing import Literal, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import CoreSession
from studyspot.kit.errors import NotFound, Unprocessable, problem_responses
from studyspot.kit.india import gstin_problem
from studyspot.kit.invoice_pdf import document_responses, json_or_pdf
from studyspot.kit.pagination import Page, PageParams, Paging, paginate
from studyspot.kit.scope import Actor
from studyspot.services.subscription import pdf, service
from studyspot.services.subscription.dependencies import OwnerRead, OwnerWrite, RuntimeDep
from studyspot.services.subscription.models import CreditNote, Invoice
from studyspot.services.subscription.routes.current import present
from studyspot.services.subscription.schemas import (
    BillingDetails,
    CreditNoteRead,
    InvoiceRead,
    SubscriptionRead,
)

router = APIRouter(prefix="/api/v1/subscriptions/current", tags=["invoices"])


@router.put(
    "/billing-details",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 422),
)
async def set_billing_details(
    body: BillingDetails, session: CoreSession, owner: OwnerWrite, runtime: RuntimeDep
) -> SubscriptionRead:
    """Name, GSTIN and state on the next invoices (issued invoices never change)."""
    gstin = body.gstin.upper() if body.gstin else None
    problem = gstin_problem(gstin) if gstin else None
    if problem:
        raise Unprocessable(
            "The GSTIN is not valid", errors=[{"field": "body.gstin", "message": problem}]
        )
    sub = await service.get_subscription(
        session,
        owner.require_tenant(),
        runtime.now(),
        lock=True,
        trial_days=runtime.config.trial_days,
    )
    sub.billing_name, sub.billing_gstin = body.name, gstin
    sub.billing_state_code = gstin[:2] if gstin else body.state_code
    await service._changed(session, sub, "subscription.billing_details_changed", Actor.of(owner))
    return await present(session, sub)


Doc = TypeVar("Doc", InvoiceRead, CreditNoteRead)


async def _documents(
    session: AsyncSession,
    model: type[Invoice] | type[CreditNote],
    read: type[Doc],
    tenant_id: uuid.UUID,
    paging: PageParams,
) -> Page[Doc]:
    """A tenant's invoices or credit notes, newest first."""
    query = select(model).where(model.tenant_id == tenant_id)
    rows, total = await paginate(
        session, query, paging, (model.issued_at.desc(), model.number.desc())
    )
    return Page[read](  # type: ignore[valid-type]
        items=[read.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


async def invoices_of(
    session: AsyncSession, tenant_id: uuid.UUID, paging: PageParams
) -> Page[InvoiceRead]:
    """A tenant's invoices, newest first."""
    return await _documents(session, Invoice, InvoiceRead, tenant_id, paging)


async def credit_notes_of(
    session: AsyncSession, tenant_id: uuid.UUID, paging: PageParams
) -> Page[CreditNoteRead]:
    """A tenant's credit notes, newest first."""
    return await _documents(session, CreditNote, CreditNoteRead, tenant_id, paging)


async def _document(
    session: AsyncSession,
    model: type[Invoice] | type[CreditNote],
    document_id: uuid.UUID,
    tenant_id: uuid.UUID,
    code: str,
) -> Invoice | CreditNote:
    found: Invoice | CreditNote | None = await session.scalar(
        select(model).where(model.id == document_id, model.tenant_id == tenant_id)
    )
    if found is None:
        raise NotFound(f"No such {code.removesuffix('_not_found').replace('_', ' ')}", code=code)
    return found


@router.get("/invoices", response_model=Page[InvoiceRead], responses=problem_responses(401, 403))
async def list_invoices(
    session: CoreSession, owner: OwnerRead, paging: Paging
) -> Page[InvoiceRead]:
    """Newest first, paid, unpaid (an upgrade to pay by bank transfer) and void alike."""
    return await invoices_of(session, owner.require_tenant(), paging)


@router.get(
    "/invoices/{invoice_id}",
    response_model=InvoiceRead,
    responses=document_responses("InvoiceRead") | problem_responses(401, 422),
    response_class=Response,
)
async def get_invoice(
    invoice_id: uuid.UUID,
    request: Request,
    session: CoreSession,
    owner: OwnerRead,
    runtime: RuntimeDep,
    format: Literal["json", "pdf"] | None = None,
) -> Response:
    """As JSON, or as PDF with `Accept: application/pdf` or `?format=pdf`."""
    found = await _document(
        session, Invoice, invoice_id, owner.require_tenant(), "invoice_not_found"
    )
    read = InvoiceRead.model_validate(found)
    return json_or_pdf(
        request,
        format,
        read.invoice_number,
        read.model_dump_json(),
        lambda: pdf.document(read, runtime.config),
    )


@router.get(
    "/credit-notes", response_model=Page[CreditNoteRead], responses=problem_responses(401, 403)
)
async def list_credit_notes(
    session: CoreSession, owner: OwnerRead, paging: Paging
) -> Page[CreditNoteRead]:
    """Newest first; each names the invoice it reverses."""
    return await credit_notes_of(session, owner.require_tenant(), paging)


@router.get(
    "/credit-notes/{credit_note_id}",
    response_model=CreditNoteRead,
    responses=document_responses("CreditNoteRead") | problem_responses(401, 422),
    response_class=Response,
)
async def get_credit_note(
    credit_note_id: uuid.UUID,
    request: Request,
    session: CoreSession,
    owner: OwnerRead,
    runtime: RuntimeDep,
    format: Literal["json", "pdf"] | None = None,
) -> Response:
    """As JSON, or as PDF with `Accept: application/pdf` or `?format=pdf`."""
    found = await _document(
        session, CreditNote, credit_note_id, owner.require_tenant(), "credit_note_not_found"
    )
    read = CreditNoteRead.model_validate(found)
    return json_or_pdf(
        request,
        format,
        read.credit_note_number,
        read.model_dump_json(),
        lambda: pdf.credit_note(read, runtime.config),
    )
