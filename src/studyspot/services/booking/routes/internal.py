"""`/internal/bookings/*`: what other services need (service token only, never routed).

The payment service reads and confirms bookings; the library service reads the
seats taken now (realtime occupancy); the student service reads whose plan runs
out (the `expiring_within_days` filter and analytics); the attendance service
reads who holds a place on which days (check-in, register, no-shows).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from studyspot.kit.errors import Unprocessable, problem_responses
from studyspot.kit.scope import Actor
from studyspot.kit.service_auth import InternalCaller, accept_callers, internal_unit
from studyspot.services.booking.client import (
    MAX_ATTENDANCE_DAYS,
    MAX_ATTENDANCE_PAGE,
    MAX_EXPIRING_DAYS,
    AttendanceBookings,
    ExpiringStudents,
    InternalBooking,
    InternalConfirm,
    OccupancyNow,
    OccupancyQuery,
)
from studyspot.services.booking.dependencies import RuntimeDep
from studyspot.services.booking.errors import BookingNotFound
from studyspot.services.booking.map_versions import bookings_etag
from studyspot.services.booking.models import Booking
from studyspot.services.booking.repository import BookingRepository
from studyspot.services.booking.runtime import Runtime
from studyspot.services.booking.schemas.bookings import effective_status
from studyspot.services.booking.service import holds, reports

router = APIRouter(prefix="/internal/bookings", include_in_schema=False)


def internal_booking(booking: Booking, runtime: Runtime) -> InternalBooking:
    return InternalBooking(
        id=booking.id,
        tenant_id=booking.tenant_id,
        student_id=booking.student_id,
        library_id=booking.library_id,
        seat_id=booking.seat_id,
        shift_id=booking.shift_id,
        fee_plan_id=booking.fee_plan_id,
        status=effective_status(booking, runtime.now()),
        start_date=booking.start_date,
        end_date=booking.end_date,
        hold_expires_at=booking.hold_expires_at,
        payment_id=booking.payment_id,
        price_paise=booking.price_paise,
        registration_fee_paise=booking.registration_fee_paise,
        security_deposit_paise=booking.security_deposit_paise,
        gst_rate_bps=booking.gst_rate_bps,
        price_includes_tax=booking.price_includes_tax,
        taxable_paise=booking.taxable_paise,
        gst_paise=booking.gst_paise,
        total_paise=booking.total_paise,
    )


# Fixed paths before `/{booking_id}`.
@router.post(
    "/occupancy",
    responses=problem_responses(403, 422, 503),
    dependencies=[accept_callers("library")],
)
async def occupancy_now(
    request: Request, body: OccupancyQuery, caller: InternalCaller, runtime: RuntimeDep
) -> OccupancyNow:
    """Seats taken at this minute and per shift, for the libraries and shifts the caller names.

    POST because the question carries each library's shifts and seats under maintenance,
    which the library service owns; nothing is written.
    """
    async with internal_unit(request, caller, body.tenant_id) as session:
        return await reports.occupancy_now(session, body, runtime.now())


@router.get(
    "/attendance",
    responses=problem_responses(403, 422, 503),
    dependencies=[accept_callers("attendance", "community", "message")],
)
async def attendance_bookings(
    request: Request,
    response: Response,
    caller: InternalCaller,
    tenant_id: Annotated[uuid.UUID, Query()],
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
    library_id: Annotated[uuid.UUID | None, Query()] = None,
    student_id: Annotated[uuid.UUID | None, Query()] = None,
    after: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ATTENDANCE_PAGE)] = MAX_ATTENDANCE_PAGE,
) -> AttendanceBookings:
    """Confirmed and active bookings holding a place on a day of [from, to] (<= 7 days).

    With `library_id`, the page carries an `ETag` naming the library's booking counter,
    read before the bookings in the same transaction (a change committed after it moves
    the counter past what the caller keeps: map_versions.py)."""
    if not first <= last <= first + timedelta(days=MAX_ATTENDANCE_DAYS - 1):
        raise Unprocessable(
            f"`to` is on or after `from`, at most {MAX_ATTENDANCE_DAYS} days on",
            errors=[{"field": "query.to", "message": "out of range"}],
        )
    async with internal_unit(request, caller, tenant_id) as session:
        if library_id is not None:
            response.headers["ETag"] = await bookings_etag(session, tenant_id, library_id)
        return await reports.attendance_bookings(
            session,
            tenant_id,
            first,
            last,
            library_id=library_id,
            student_id=student_id,
            after=after,
            limit=limit,
        )


@router.get(
    "/expiring",
    responses=problem_responses(403, 422, 503),
    dependencies=[accept_callers("message", "student")],
)
async def expiring_students(
    request: Request,
    caller: InternalCaller,
    runtime: RuntimeDep,
    tenant_id: Annotated[uuid.UUID, Query()],
    within_days: Annotated[int, Query(ge=0, le=MAX_EXPIRING_DAYS)],
    library_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ExpiringStudents:
    """Students whose paid booking ends within `within_days` and who have not renewed."""
    async with internal_unit(request, caller, tenant_id) as session:
        return await reports.expiring_students(
            session, tenant_id, within_days, runtime.now(), library_id=library_id
        )


@router.get(
    "/{booking_id}",
    responses=problem_responses(403, 404),
    dependencies=[accept_callers("payment")],
)
async def get_booking(
    request: Request,
    booking_id: uuid.UUID,
    caller: InternalCaller,
    runtime: RuntimeDep,
    tenant_id: Annotated[uuid.UUID, Query()],
) -> InternalBooking:
    async with internal_unit(request, caller, tenant_id) as session:
        booking = await BookingRepository(session, tenant_id).get(booking_id)
        if booking is None:
            raise BookingNotFound()
        return internal_booking(booking, runtime)


@router.post(
    "/{booking_id}/confirm",
    responses=problem_responses(403, 404, 409),
    dependencies=[accept_callers("payment")],
)
async def confirm_booking(
    request: Request,
    booking_id: uuid.UUID,
    body: InternalConfirm,
    caller: InternalCaller,
    runtime: RuntimeDep,
) -> InternalBooking:
    """Paid: confirm. The same payment again answers the confirmed booking (idempotent)."""
    async with internal_unit(request, caller, body.tenant_id) as session:
        booking = await holds.confirm(
            session,
            body.tenant_id,
            booking_id,
            now=runtime.now(),
            actor=Actor.system(f"service:{caller.service}", tenant_id=body.tenant_id),
            payment_id=body.payment_id,
            via="payment",
        )
        return internal_booking(booking, runtime)
