"""The platform's side: a tenant's subscription, manual payments, revenue."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query

from studyspot.kit.auth import CoreSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, PageParams, Paging
from studyspot.kit.scope import Actor
from studyspot.services.subscription import reporting, service, tenants
from studyspot.services.subscription.dependencies import (
    PaymentAdmin,
    PlanAdmin,
    PlatformRead,
    RuntimeDep,
)
from studyspot.services.subscription.routes.current import present, read_opening
from studyspot.services.subscription.routes.invoices import credit_notes_of, invoices_of
from studyspot.services.subscription.schemas import (
    CreditNoteRead,
    InvoiceRead,
    LimitsOverride,
    ManualPayment,
    RevenueRead,
    Status,
    SubscriptionChange,
    SubscriptionRead,
    TenantSubscriptionRow,
)

router = APIRouter(prefix="/api/v1/subscriptions", tags=["platform"])


@router.get(
    "/tenants",
    response_model=Page[TenantSubscriptionRow],
    responses=problem_responses(401, 403, 422),
)
async def list_tenants(
    session: CoreSession,
    _: PlatformRead,
    paging: Paging,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="part of the name, slug or contact email"),
    ] = None,
    status: Annotated[
        list[Status] | None, Query(description="one or more subscription statuses")
    ] = None,
    past_due: Annotated[
        bool | None, Query(description="true: past due or in grace; false: neither")
    ] = None,
) -> Page[TenantSubscriptionRow]:
    """Every tenant, newest first, with its plan, status, period end, whether a renewal is
    unpaid (`past_due`) and how many invoices wait for a bank transfer. A tenant whose
    subscription is not opened yet has null subscription fields (and matches no status)."""
    rows, total = await tenants.list_tenants(
        session, paging, text=q, statuses=status or (), past_due=past_due
    )
    return _page(TenantSubscriptionRow, rows, total, paging)


Row = TypeVar("Row", TenantSubscriptionRow, SubscriptionChange)


def _page(read: type[Row], rows: list[dict[str, Any]], total: int, paging: PageParams) -> Page[Row]:
    return Page[read](  # type: ignore[valid-type]
        items=[read.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/tenants/{tenant_id}",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def tenant_subscription(
    tenant_id: uuid.UUID, session: CoreSession, _: PlatformRead, runtime: RuntimeDep
) -> SubscriptionRead:
    return await read_opening(session, runtime, tenant_id)


@router.post(
    "/tenants/{tenant_id}/payments",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def record_payment(
    tenant_id: uuid.UUID,
    body: ManualPayment,
    session: CoreSession,
    admin: PaymentAdmin,
    runtime: RuntimeDep,
) -> SubscriptionRead:
    """A payment received outside Razorpay (bank transfer, an Enterprise invoice): it
    must be exactly the amount due, and starts a paid period at once. `received_on` (the day
    the money arrived, India; default today) is kept on the invoice: 422 for a day in the
    future or more than 90 days back."""
    sub = await service.get_subscription(
        session, tenant_id, runtime.now(), lock=True, trial_days=runtime.config.trial_days
    )
    await service.record_payment(
        session,
        sub,
        body.amount_paise,
        body.reference,
        Actor.of(admin),
        runtime.now(),
        runtime.config,
        body.received_on,
    )
    return await present(session, sub)


@router.get(
    "/tenants/{tenant_id}/invoices",
    response_model=Page[InvoiceRead],
    responses=problem_responses(401, 403, 422),
)
async def tenant_invoices(
    tenant_id: uuid.UUID, session: CoreSession, _: PlatformRead, paging: Paging
) -> Page[InvoiceRead]:
    """The invoices StudySpot issued to the tenant, newest first (find an unpaid one)."""
    return await invoices_of(session, tenant_id, paging)


@router.get(
    "/tenants/{tenant_id}/credit-notes",
    response_model=Page[CreditNoteRead],
    responses=problem_responses(401, 403, 422),
)
async def tenant_credit_notes(
    tenant_id: uuid.UUID, session: CoreSession, _: PlatformRead, paging: Paging
) -> Page[CreditNoteRead]:
    """The credit notes StudySpot issued to the tenant (each reverses a void invoice)."""
    return await credit_notes_of(session, tenant_id, paging)


@router.get(
    "/tenants/{tenant_id}/history",
    response_model=Page[SubscriptionChange],
    responses=problem_responses(401, 403, 422),
)
async def tenant_history(
    tenant_id: uuid.UUID, session: CoreSession, _: PlatformRead, paging: Paging
) -> Page[SubscriptionChange]:
    """Every change of the tenant's subscription, newest first, with who made it (a
    platform admin, the owner or the lifecycle job) and its details: the audit rows."""
    rows, total = await tenants.history(session, tenant_id, paging)
    return _page(SubscriptionChange, rows, total, paging)


@router.post(
    "/tenants/{tenant_id}/invoices/{invoice_id}/payment",
    response_model=InvoiceRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def pay_invoice(
    tenant_id: uuid.UUID,
    invoice_id: uuid.UUID,
    body: ManualPayment,
    session: CoreSession,
    admin: PaymentAdmin,
    runtime: RuntimeDep,
) -> InvoiceRead:
    """The payment of an unpaid invoice received outside Razorpay (bank transfer, cash):
    exactly its total (else 422 `amount_mismatch`); what it bought (an upgrade) applies at
    once. The same payment recorded again (same reference and amount) answers the paid
    invoice and changes nothing; otherwise 409 `invoice_already_paid`, and 409
    `invoice_void` for an invoice whose upgrade lapsed. `received_on` (the day the money
    arrived, India; default today) is kept on the invoice: 422 for a day in the future, more
    than 90 days back or before the invoice's date."""
    invoice = await service.pay_invoice(
        session,
        invoice_id,
        tenant_id,
        body.amount_paise,
        body.reference,
        Actor.of(admin),
        runtime.now(),
        body.received_on,
    )
    return InvoiceRead.model_validate(invoice)


@router.patch(
    "/tenants/{tenant_id}/limits",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def override_limits(
    tenant_id: uuid.UUID,
    body: LimitsOverride,
    session: CoreSession,
    admin: PlanAdmin,
    runtime: RuntimeDep,
) -> SubscriptionRead:
    """Set this tenant's limits (null: unlimited); every service enforces them within a
    second. They last until the next renewal or plan change."""
    sub = await service.get_subscription(
        session, tenant_id, runtime.now(), lock=True, trial_days=runtime.config.trial_days
    )
    await service.override_limits(
        session, sub, body.model_dump(exclude_unset=True), Actor.of(admin)
    )
    return await present(session, sub)


@router.get("/revenue", response_model=RevenueRead, responses=problem_responses(401, 403, 422))
async def revenue(
    session: CoreSession,
    _: PlatformRead,
    months: Annotated[int, Query(ge=1, le=60, description="how many months back")] = 12,
) -> RevenueRead:
    """MRR now (each earning subscription's price over its cycle's months), ARR = 12 x MRR,
    and by month: new, expansion, contraction, churned and reactivated MRR, trials
    started and converted."""
    return await reporting.revenue(session, months)
