"""The owner's collection views: dues, the daily summary by method, reconciliation status.

Declared before the `/{payment_id}` routes so that their fixed paths win.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, Paging
from studyspot.services.payment import queries
from studyspot.services.payment.dependencies import Context, PaymentsRead, PaymentsStaffRead
from studyspot.services.payment.invoicing import INDIA
from studyspot.services.payment.schemas import (
    DailySummary,
    DueRead,
    DueStatus,
    ReconciliationStatusRead,
    ReportDay,
)

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])


def _today() -> date:
    return datetime.now(INDIA).date()


@router.get("/dues", responses=problem_responses(403))
async def list_dues(
    caller: PaymentsRead,
    session: TenantSession,
    paging: Paging,
    library_id: uuid.UUID | None = None,
    student_id: uuid.UUID | None = None,
    status: Annotated[
        DueStatus | None,
        Query(description="Only open dues, or only those of cancelled / expired bookings"),
    ] = None,
    overdue_days: Annotated[
        int | None,
        Query(
            ge=0,
            le=3650,
            description="Only open dues with something to pay, at least this many days past due",
        ),
    ] = None,
    include_settled: Annotated[
        bool,
        Query(
            description="Also dues with a zero balance (paid in full, or closed with nothing held)"
        ),
    ] = False,
) -> Page[DueRead]:
    """What each booking owes, from the moment it is made: charged, transfer adjustments,
    paid, refunded and the balance.

    By default only unsettled dues: a positive balance is to collect, a negative one
    (a cancelled or expired booking that was paid) is to give back to the student.
    """
    items, total = await queries.list_dues(
        session,
        caller,
        library_id=library_id,
        student_id=student_id,
        status=status,
        overdue_days=overdue_days,
        include_settled=include_settled,
        paging=paging,
        today=_today(),
    )
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/summary/daily", responses=problem_responses(403))
async def daily_summary(
    caller: PaymentsStaffRead,
    session: TenantSession,
    day: Annotated[
        ReportDay | None, Query(alias="date", description="Local date; default today")
    ] = None,
    library_id: uuid.UUID | None = None,
) -> DailySummary:
    """Money collected on one day (Asia/Kolkata) by method, refunds paid out, and the net."""
    return await queries.daily_summary(session, caller, day or _today(), library_id)


@router.get("/reconciliation/status", responses=problem_responses(403))
async def reconciliation_status(
    caller: PaymentsStaffRead,
    session: TenantSession,
    ctx: Context,
    library_id: Annotated[
        uuid.UUID | None, Query(description="Only this branch's counts (within the caller's)")
    ] = None,
) -> ReconciliationStatusRead:
    """The reconciler's last pass over this business: when it started and finished, how it
    ended, how many provider payments it settled, failed or left pending, and when the
    periodic job runs next.

    The reconciler asks Razorpay and Cashfree about payments still open after
    `after_minutes` (their webhook may have been lost). The times are the business's;
    the counts cover only the branches the caller may see. `last_run` is null until
    the first pass.
    """
    return await queries.reconciliation_status(session, caller, ctx.settings, library_id)
