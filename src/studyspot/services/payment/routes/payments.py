"""`/api/v1/payments`: take money, verify it, list it, refund it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.idempotency import IdempotencyKeyHeader, run_idempotent
from studyspot.kit.pagination import Page, Paging
from studyspot.kit.state import kit_state
from studyspot.services.payment import payments, queries, refunds
from studyspot.services.payment.access import Caller
from studyspot.services.payment.context import PaymentContext
from studyspot.services.payment.dependencies import (
    Context,
    PaymentsCreate,
    PaymentsDesk,
    PaymentsRead,
    PaymentsRefund,
    PaymentsVerify,
    TenantDatabase,
)
from studyspot.services.payment.errors import InvalidState
from studyspot.services.payment.models import Payment
from studyspot.services.payment.providers import upi
from studyspot.services.payment.schemas import (
    Method,
    PaymentCreate,
    PaymentLinkCreate,
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

B = TypeVar("B", PaymentCreate, PaymentLinkCreate)


async def _create_idempotently(
    request: Request,
    caller: Caller,
    session: AsyncSession,
    body: B,
    idempotency_key: str | None,
    make: Callable[..., Awaitable[Payment]],
    ctx: PaymentContext,
) -> Response:
    """Create a payment (`make`) under the request's Idempotency-Key; 201 with its read."""

    async def work() -> PaymentRead:
        shared = kit_state(request.app).tenants.shared
        routes_db = shared if caller.principal.db_key else None
        payment = await make(session, ctx, caller, body, routes_db=routes_db)
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

    return await _create_idempotently(
        request, caller, session, body, idempotency_key, payments.create_payment, ctx
    )


@router.post(
    "/links",
    status_code=201,
    response_model=PaymentRead,
    responses=problem_responses(403, 404, 409, 422, 502),
)
async def create_payment_link(
    body: PaymentLinkCreate,
    request: Request,
    caller: PaymentsDesk,
    session: TenantSession,
    ctx: Context,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """A Razorpay or Cashfree payment link for the booking's balance, for the desk to share
    (its `checkout.link_url`, a QR of it at `/link-qr`, WhatsApp). The payment is `pending`
    until the provider's webhook (or the reconciler) reports the link paid, cancelled or expired;
    meanwhile no other online payment of the booking starts (409 `payment_in_progress`).

    Staff only (`payments:create`). 409 codes as for `POST /payments`; 422
    `provider_not_configured` when the tenant has no keys for the provider.
    """

    return await _create_idempotently(
        request, caller, session, body, idempotency_key, payments.create_link, ctx
    )


@router.post("/{payment_id}/cancel-link", responses=problem_responses(403, 404, 409, 422, 502))
async def cancel_payment_link(
    payment_id: uuid.UUID, caller: PaymentsDesk, session: TenantSession, ctx: Context
) -> PaymentRead:
    """Cancel an unpaid payment link at its provider; the payment fails. A link paid in the
    meantime is captured instead (the answer says `captured`). 409 `link_not_cancellable`
    when it is no longer open, `invalid_payment_state` when the payment is not a link."""
    payment = await payments.cancel_link(session, ctx, caller, payment_id)
    return await queries.present_one(session, payment)


@router.get("", responses=problem_responses(403))
async def list_payments(
    caller: PaymentsRead,
    session: TenantSession,
    paging: Paging,
    status: Annotated[
        list[Status] | None,
        Query(
            max_length=6,
            description="One or more statuses (repeat the parameter: ?status=created&status=pending)",
        ),
    ] = None,
    method: Annotated[
        list[Method] | None,
        Query(
            max_length=6,
            description="One or more methods (repeat the parameter: ?method=razorpay&method=cashfree)",
        ),
    ] = None,
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


QR_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "The QR code"},
    **problem_responses(403, 404, 409),
}


async def _open_payment_qr(
    session: AsyncSession,
    caller: Caller,
    payment_id: uuid.UUID,
    field: Literal["upi_link", "link_url"],
    format: Literal["png", "svg"],
) -> Response:
    """A QR of what an open payment's checkout holds in `field`; 409 once it is closed."""
    payment = await payments.visible_payment(session, caller, payment_id)
    content = (payment.snapshot.get("checkout") or {}).get(field)
    if not content or payment.status not in ("created", "pending"):
        what = "UPI payment" if field == "upi_link" else "payment link"
        raise InvalidState(f"Only an open {what} has a QR code")
    image = upi.qr_png(content) if format == "png" else upi.qr_svg(content)
    return Response(image, media_type=QR_TYPES[format], headers={"Cache-Control": "no-store"})


@router.get("/{payment_id}/upi-qr", responses=QR_RESPONSES, response_class=Response)
async def upi_qr(
    payment_id: uuid.UUID,
    caller: PaymentsRead,
    session: TenantSession,
    format: Literal["png", "svg"] = "png",
) -> Response:
    """The `upi://pay` intent of an open UPI payment as a QR code (PNG or SVG)."""
    return await _open_payment_qr(session, caller, payment_id, "upi_link", format)


@router.get("/{payment_id}/link-qr", responses=QR_RESPONSES, response_class=Response)
async def link_qr(
    payment_id: uuid.UUID,
    caller: PaymentsRead,
    session: TenantSession,
    format: Literal["png", "svg"] = "png",
) -> Response:
    """The URL of an open payment link as a QR code (PNG or SVG), for the student's phone."""
    return await _open_payment_qr(session, caller, payment_id, "link_url", format)
