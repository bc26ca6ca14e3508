"""`/api/v1/bookings`: make, read, confirm, cancel, renew, transfer and pause bookings."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.idempotency import IdempotencyKeyHeader, run_idempotent
from studyspot.kit.pagination import Page, Paging
from studyspot.services.booking import tasks
from studyspot.services.booking.dependencies import (
    BookingsCancel,
    BookingsCreate,
    BookingsRead,
    BookingsUpdate,
    RuntimeDep,
)
from studyspot.services.booking.repository import BookingFilter
from studyspot.services.booking.schemas.bookings import (
    BookingCreate,
    BookingRead,
    CancelRequest,
    ConfirmRequest,
    PauseRequest,
    RenewRequest,
    TransferRequest,
    TransferResult,
)
from studyspot.services.booking.schemas.common import BookingStatusName, IsoDate
from studyspot.services.booking.service import (
    holds,
    lifecycle,
    pauses,
    queries,
    renewals,
    transfers,
)

router = APIRouter(prefix="/api/v1/bookings", tags=["bookings"])

SortField = Annotated[
    str | None,
    Query(
        pattern=r"^-?(created_at|start_date|end_date)$",
        description="created_at, start_date or end_date; prefix - for descending",
    ),
]


@router.post(
    "",
    status_code=201,
    response_model=BookingRead,
    responses=problem_responses(403, 404, 409, 422, 503),
    summary="Book a seat (or floating place): a hold awaiting payment",
)
async def create_booking(
    request: Request,
    body: BookingCreate,
    viewer: BookingsCreate,
    session: TenantSession,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    async def act() -> BookingRead:
        booking = await holds.create_booking(session, viewer, body, runtime)
        return BookingRead.of(booking, runtime.now())

    return await run_idempotent(
        request,
        idempotency_key,
        principal=viewer.principal,
        session=session,
        payload=body,
        status_code=201,
        action=act,
    )


@router.get(
    "",
    response_model=Page[BookingRead],
    responses=problem_responses(403),
    summary="List bookings (a student sees its own)",
)
async def list_bookings(
    viewer: BookingsRead,
    session: TenantSession,
    runtime: RuntimeDep,
    paging: Paging,
    student_id: uuid.UUID | None = None,
    library_id: uuid.UUID | None = None,
    seat_id: uuid.UUID | None = None,
    status: BookingStatusName | None = None,
    from_date: Annotated[
        IsoDate | None, Query(description="Bookings that last until this day or later")
    ] = None,
    to_date: Annotated[
        IsoDate | None, Query(description="Bookings that start on this day or earlier")
    ] = None,
    sort: SortField = None,
) -> Page[BookingRead]:
    now = runtime.now()
    flt = BookingFilter(
        student_id=student_id,
        library_ids={library_id} if library_id else None,
        seat_id=seat_id,
        status=status,
        from_date=from_date,
        to_date=to_date,
    )
    items, total = await queries.list_bookings(session, viewer, flt, paging, sort, now)
    return Page(
        items=[BookingRead.of(b, now) for b in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/{booking_id}",
    response_model=BookingRead,
    responses=problem_responses(403, 404),
    summary="One booking",
)
async def get_booking(
    booking_id: uuid.UUID, viewer: BookingsRead, session: TenantSession, runtime: RuntimeDep
) -> BookingRead:
    return BookingRead.of(await queries.get_booking(session, viewer, booking_id), runtime.now())


@router.post(
    "/{booking_id}/confirm",
    response_model=BookingRead,
    responses=problem_responses(403, 404, 409),
    summary="Confirm a booking paid at the desk",
)
async def confirm_booking(
    booking_id: uuid.UUID,
    viewer: BookingsUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
    body: ConfirmRequest | None = None,
) -> BookingRead:
    now = runtime.now()
    booking = await holds.confirm(
        session,
        viewer.tenant_id,
        booking_id,
        now=now,
        actor=viewer.actor,
        payment_id=body.payment_id if body else None,
        via="desk",
        viewer=viewer,
    )
    return BookingRead.of(booking, now)


@router.post(
    "/{booking_id}/cancel",
    response_model=BookingRead,
    responses=problem_responses(403, 404, 409),
    summary="Cancel a booking (frees the place; refunds are the payment service's decision)",
)
async def cancel_booking(
    booking_id: uuid.UUID,
    body: CancelRequest,
    viewer: BookingsCancel,
    session: TenantSession,
    runtime: RuntimeDep,
    background: BackgroundTasks,
) -> BookingRead:
    now = runtime.now()
    booking = await lifecycle.cancel(session, viewer, booking_id, body.reason, now)
    # After the commit: offer the freed place to the waitlist (the sweep catches up if we die).
    background.add_task(
        tasks.offer_library_quietly,
        runtime,
        viewer.principal.db_key,
        viewer.tenant_id,
        booking.library_id,
    )
    return BookingRead.of(booking, now)


@router.post(
    "/{booking_id}/renew",
    status_code=201,
    response_model=BookingRead,
    responses=problem_responses(403, 404, 409, 422, 503),
    summary="Renew: a new booking from the day after this one ends",
)
async def renew_booking(
    request: Request,
    booking_id: uuid.UUID,
    viewer: BookingsCreate,
    session: TenantSession,
    runtime: RuntimeDep,
    body: RenewRequest | None = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    wanted = body or RenewRequest()

    async def act() -> BookingRead:
        booking = await renewals.renew(session, viewer, booking_id, wanted, runtime)
        return BookingRead.of(booking, runtime.now())

    return await run_idempotent(
        request,
        idempotency_key,
        principal=viewer.principal,
        session=session,
        payload=wanted,
        status_code=201,
        action=act,
    )


@router.post(
    "/{booking_id}/transfer",
    response_model=TransferResult,
    responses=problem_responses(403, 404, 409, 422, 503),
    summary="Move the rest of a booking to another seat, shift or plan",
)
async def transfer_booking(
    request: Request,
    booking_id: uuid.UUID,
    body: TransferRequest,
    viewer: BookingsUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    async def act() -> TransferResult:
        done = await transfers.transfer(session, viewer, booking_id, body, runtime)
        return TransferResult(
            booking=BookingRead.of(done.booking, runtime.now()),
            effective_date=done.transfer.effective_date,
            price_difference_paise=done.transfer.price_difference_paise,
        )

    return await run_idempotent(
        request,
        idempotency_key,
        principal=viewer.principal,
        session=session,
        payload=body,
        status_code=200,
        action=act,
    )


@router.post(
    "/{booking_id}/pause",
    response_model=BookingRead,
    responses=problem_responses(403, 404, 409, 422, 503),
    summary="Pause (freeze) a booking; its end moves by the paused days",
)
async def pause_booking(
    booking_id: uuid.UUID,
    body: PauseRequest,
    viewer: BookingsUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
) -> BookingRead:
    booking = await pauses.pause(session, viewer, booking_id, body, runtime)
    return BookingRead.of(booking, runtime.now())
