"""`/api/v1/payments`: take money, verify it, list it, refund it."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.idempotency import IdempotencyKeyHeader, run_idempotent
from studyspot.kit.pagination import Page, Paging
from studyspot.kit.state import kit_state
from studyspot.services.payment import payments, queries, refunds
from studyspot.services.payment.dependencies import (
    Context,
    PaymentsCreate,
    PaymentsRead,
    PaymentsRefund,
    PaymentsVerify,
    TenantDatabase,
)
from studyspot.services.payment.schemas import (
    Method,
    PaymentCreate,
    PaymentRead,
    RazorpayCheckout,
    RefundCreate,
    RefundRead,
    ReportDay,
    Status,
    UpiReject,
    UpiVerify,
    UtrSubmit,
)

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])


@router.post(
    "",
    status_code=201,
    response_model=PaymentRead,
    responses=problem_responses(403, 404, 409, 422, 502),
)
async def create_payment(
    body: PaymentCreate,
    request: Request,
    caller: PaymentsCreate,
    session: TenantSession,
    ctx: Context,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Pay a booking: desk payments are captured at once; online ones answer their `checkout`.

    The amount is the booking's balance computed by the server; a desk payment
    may take part of it (`amount_paise`), leaving the rest due.

    409 codes: `due_closed` (the booking was cancelled or its hold lapsed),
    `hold_expired`, `booking_not_payable`, `nothing_due`, `payment_in_progress`.
    """

    async def work() -> PaymentRead:
        shared = kit_state(request.app).tenants.shared
        routes_db = shared if caller.principal.db_key else None
        payment = await payments.create_payment(session, ctx, caller, body, routes_db=routes_db)
        return await queries.present_one(session, payment)

    return await run_idempotent(
        request,
        idempotency_key,
        principal=caller.principal,
        session=session,
        payload=body,
        status_code=201,
        action=work,
    )


@router.get("", responses=problem_responses(403))
async def list_payments(
    caller: PaymentsRead,
    session: TenantSession,
    paging: Paging,
    status: Status | None = None,
    method: Method | None = None,
    booking_id: uuid.UUID | None = None,
    student_id: uuid.UUID | None = None,
    library_id: uuid.UUID | None = None,
    created_from: Annotated[
        ReportDay | None, Query(description="Local date (Asia/Kolkata), inclusive")
    ] = None,
    created_to: Annotated[
        ReportDay | None, Query(description="Local date (Asia/Kolkata), inclusive")
    ] = None,
    sort: Annotated[
        Literal["created_at", "-created_at", "amount_paise", "-amount_paise"] | None, Query()
    ] = None,
) -> Page[PaymentRead]:
    filters = queries.PaymentFilters(
        status, method, booking_id, student_id, library_id, created_from, created_to
    )
    items, total = await queries.list_payments(session, caller, filters, paging, sort)
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/{payment_id}", responses=problem_responses(403, 404))
async def get_payment(
    payment_id: uuid.UUID, caller: PaymentsRead, session: TenantSession
) -> PaymentRead:
    payment = await payments.visible_payment(session, caller, payment_id)
    return await queries.present_one(session, payment)


@router.post("/{payment_id}/checkout", responses=problem_responses(400, 403, 404, 409, 422))
async def confirm_checkout(
    payment_id: uuid.UUID,
    body: RazorpayCheckout,
    caller: PaymentsCreate,
    session: TenantSession,
    db: TenantDatabase,
    ctx: Context,
) -> PaymentRead:
    """Razorpay Checkout's answer, verified against the order we stored: the payment is pending
    until Razorpay confirms the capture (webhook or reconciliation)."""
    payment = await payments.confirm_checkout(session, db, ctx, caller, payment_id, body)
    return await queries.present_one(session, payment)


@router.post("/{payment_id}/utr", responses=problem_responses(403, 404, 409, 422))
async def submit_utr(
    payment_id: uuid.UUID, body: UtrSubmit, caller: PaymentsCreate, session: TenantSession
) -> PaymentRead:
    """The student's 12-digit UPI reference; staff then verify it against the bank statement."""
    payment = await payments.submit_utr(session, caller, payment_id, body)
    return await queries.present_one(session, payment)


@router.post("/{payment_id}/verify", responses=problem_responses(403, 404, 409, 422))
async def verify_upi(
    payment_id: uuid.UUID, body: UpiVerify, caller: PaymentsVerify, session: TenantSession
) -> PaymentRead:
    """Staff saw the UPI transfer on the bank statement: capture it."""
    payment = await payments.verify_upi(session, caller, payment_id, body)
    return await queries.present_one(session, payment)


@router.post("/{payment_id}/reject", responses=problem_responses(403, 404, 409, 422))
async def reject_upi(
    payment_id: uuid.UUID, body: UpiReject, caller: PaymentsVerify, session: TenantSession
) -> PaymentRead:
    """Staff found no such transfer: the UPI payment failed."""
    payment = await payments.reject_upi(session, caller, payment_id, body)
    return await queries.present_one(session, payment)


@router.post(
    "/{payment_id}/refunds",
    status_code=201,
    response_model=RefundRead,
    responses=problem_responses(403, 404, 409, 422, 502),
)
async def create_refund(
    payment_id: uuid.UUID,
    body: RefundCreate,
    request: Request,
    caller: PaymentsRefund,
    session: TenantSession,
    ctx: Context,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Refund all or part of a captured payment, through its provider or at the desk."""

    async def work() -> RefundRead:
        refund = await refunds.create_refund(session, ctx, caller, payment_id, body)
        found = await queries.refunds_of(session, caller.tenant_id, payment_id)
        return next(r for r in found if r.id == refund.id)

    return await run_idempotent(
        request,
        idempotency_key,
        principal=caller.principal,
        session=session,
        payload=body,
        status_code=201,
        action=work,
    )


@router.get("/{payment_id}/refunds", responses=problem_responses(403, 404))
async def list_refunds(
    payment_id: uuid.UUID, caller: PaymentsRead, session: TenantSession
) -> list[RefundRead]:
    await payments.visible_payment(session, caller, payment_id)
    return await queries.refunds_of(session, caller.tenant_id, payment_id)


QR_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


@router.get(
    "/{payment_id}/upi-qr",
    responses={
        200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "The QR code"},
        **problem_responses(403, 404, 409),
    },
    response_class=Response,
)
async def upi_qr(
    payment_id: uuid.UUID,
    caller: PaymentsRead,
    session: TenantSession,
    format: Literal["png", "svg"] = "png",
) -> Response:
    """The `upi://pay` intent of an open UPI payment as a QR code (PNG or SVG)."""
    from studyspot.services.payment.providers import upi

    payment = await payments.visible_payment(session, caller, payment_id)
    link = (payment.snapshot.get("checkout") or {}).get("upi_link")
    if payment.method != "upi" or not link or payment.status not in ("created", "pending"):
        from studyspot.services.payment.errors import InvalidState

        raise InvalidState("Only an open UPI payment has a QR code")
    image = upi.qr_png(link) if format == "png" else upi.qr_svg(link)
    return Response(image, media_type=QR_TYPES[format], headers={"Cache-Control": "no-store"})
