"""Read side: payment lists and details, the dues (collection) list, the daily summary."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.pagination import PageParams, paginate, sort_clause
from studyspot.services.payment.access import Caller
from studyspot.services.payment.config import PaymentSettings
from studyspot.services.payment.invoicing import INDIA
from studyspot.services.payment.models import Due, Invoice, Payment, Refund
from studyspot.services.payment.repository import ReconciliationStatuses
from studyspot.services.payment.schemas import (
    Checkout,
    DailySummary,
    DueRead,
    MethodTotal,
    PaymentRead,
    ReconciliationCounts,
    ReconciliationRun,
    ReconciliationStatusRead,
    RefundRead,
)

PAYMENT_SORTS = {"created_at": Payment.created_at, "amount_paise": Payment.amount_paise}


@dataclass(frozen=True)
class PaymentFilters:
    # Any of these (an empty or missing list: no filter).
    status: Sequence[str] | None = None
    method: Sequence[str] | None = None
    booking_id: uuid.UUID | None = None
    student_id: uuid.UUID | None = None
    library_id: uuid.UUID | None = None
    created_from: date | None = None
    created_to: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=INDIA)


async def invoice_numbers(
    session: AsyncSession, tenant_id: uuid.UUID, payment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not payment_ids:
        return {}
    rows = await session.execute(
        select(Invoice.payment_id, Invoice.number).where(
            Invoice.tenant_id == tenant_id,
            Invoice.payment_id.in_(list(payment_ids)),
            Invoice.kind != "credit_note",
        )
    )
    return {pid: number for pid, number in rows}


def present(payment: Payment, invoice_number: str | None) -> PaymentRead:
    checkout = None
    raw = payment.snapshot.get("checkout") if payment.snapshot else None
    if raw and payment.status in ("created", "pending"):
        checkout = Checkout.model_validate(raw)
    read = PaymentRead.model_validate(payment)
    return read.model_copy(update={"invoice_number": invoice_number, "checkout": checkout})


async def present_one(session: AsyncSession, payment: Payment) -> PaymentRead:
    numbers = await invoice_numbers(session, payment.tenant_id, [payment.id])
    return present(payment, numbers.get(payment.id))


async def list_payments(
    session: AsyncSession,
    caller: Caller,
    filters: PaymentFilters,
    paging: PageParams,
    sort: str | None,
) -> tuple[list[PaymentRead], int]:
    query: Select[Any] = caller.scope(select(Payment).where(Payment.tenant_id == caller.tenant_id))
    if filters.status:
        query = query.where(Payment.status.in_(sorted(set(filters.status))))
    if filters.method:
        query = query.where(Payment.method.in_(sorted(set(filters.method))))
    if filters.booking_id:
        query = query.where(Payment.booking_id == filters.booking_id)
    if filters.student_id:
        query = query.where(Payment.student_id == filters.student_id)
    if filters.library_id:
        query = query.where(Payment.library_id == filters.library_id)
    if filters.created_from:
        query = query.where(Payment.created_at >= _day_start(filters.created_from))
    if filters.created_to:
        query = query.where(Payment.created_at < _day_start(filters.created_to + timedelta(days=1)))
    order = sort_clause(sort, PAYMENT_SORTS, [Payment.created_at.desc(), Payment.id])
    rows, total = await paginate(session, query, paging, order)
    numbers = await invoice_numbers(session, caller.tenant_id, [p.id for p in rows])
    return [present(p, numbers.get(p.id)) for p in rows], total


async def refunds_of(
    session: AsyncSession, tenant_id: uuid.UUID, payment_id: uuid.UUID
) -> list[RefundRead]:
    refunds = list(
        await session.scalars(
            select(Refund)
            .where(Refund.tenant_id == tenant_id, Refund.payment_id == payment_id)
            .order_by(Refund.created_at)
        )
    )
    notes = {
        rid: number
        for rid, number in await session.execute(
            select(Invoice.refund_id, Invoice.number).where(
                Invoice.tenant_id == tenant_id,
                Invoice.payment_id == payment_id,
                Invoice.kind == "credit_note",
            )
        )
    }
    return [
        RefundRead.model_validate(r).model_copy(update={"credit_note_number": notes.get(r.id)})
        for r in refunds
    ]


async def list_dues(
    session: AsyncSession,
    caller: Caller,
    *,
    library_id: uuid.UUID | None,
    student_id: uuid.UUID | None,
    status: str | None,
    overdue_days: int | None,
    include_settled: bool,
    paging: PageParams,
    today: date,
) -> tuple[list[DueRead], int]:
    query: Select[Any] = select(Due).where(Due.tenant_id == caller.tenant_id)
    if caller.student_id is not None:
        query = query.where(Due.student_id == caller.student_id)
    elif caller.library_ids is not None:
        query = query.where(Due.library_id.in_(sorted(caller.library_ids)))
    if library_id:
        query = query.where(Due.library_id == library_id)
    if student_id:
        query = query.where(Due.student_id == student_id)
    if status:
        query = query.where(Due.status == status)
    if overdue_days is not None:
        # Overdue means money still to collect: a closed due is never overdue.
        query = query.where(
            Due.status == "open",
            Due.balance_paise > 0,
            Due.due_date <= today - timedelta(days=overdue_days),
        )
    elif not include_settled:
        # Unsettled either way: to collect, or to give back after a cancellation.
        query = query.where(Due.balance_paise != 0)
    rows, total = await paginate(session, query, paging, [Due.due_date.asc(), Due.id])
    return [present_due(due, today) for due in rows], total


def present_due(due: Due, today: date) -> DueRead:
    balance = due.balance_paise
    collecting = due.status == "open" and balance > 0
    return DueRead(
        booking_id=due.booking_id,
        student_id=due.student_id,
        library_id=due.library_id,
        status=due.status,
        charged_paise=due.charged_paise,
        adjustment_paise=due.adjustment_paise,
        paid_paise=due.paid_paise,
        refunded_paise=due.refunded_paise,
        balance_paise=balance,
        due_date=due.due_date,
        closed_at=due.closed_at,
        overdue_days=max((today - due.due_date).days, 0) if collecting else 0,
    )


async def daily_summary(
    session: AsyncSession, caller: Caller, day: date, library_id: uuid.UUID | None
) -> DailySummary:
    start, end = _day_start(day), _day_start(day + timedelta(days=1))
    query = caller.scope(
        select(
            Payment.method, func.count(), func.coalesce(func.sum(Payment.amount_paise), 0)
        ).where(
            Payment.tenant_id == caller.tenant_id,
            Payment.captured_at >= start,
            Payment.captured_at < end,
        )
    )
    refunds = caller.scope(
        select(func.coalesce(func.sum(Refund.amount_paise), 0))
        .select_from(Refund)
        .join(Payment, Payment.id == Refund.payment_id)
        .where(
            Refund.tenant_id == caller.tenant_id,
            Refund.status == "processed",
            Refund.processed_at >= start,
            Refund.processed_at < end,
        )
    )
    if library_id:
        query = query.where(Payment.library_id == library_id)
        refunds = refunds.where(Payment.library_id == library_id)
    rows = (await session.execute(query.group_by(Payment.method).order_by(Payment.method))).all()
    methods = [MethodTotal(method=m, count=int(n), amount_paise=int(a)) for m, n, a in rows]
    collected = sum(m.amount_paise for m in methods)
    refunded = int(await session.scalar(refunds) or 0)
    return DailySummary(
        date=day,
        library_id=library_id,
        methods=methods,
        collected_paise=collected,
        refunded_paise=refunded,
        net_paise=collected - refunded,
    )


async def reconciliation_status(
    session: AsyncSession,
    caller: Caller,
    settings: PaymentSettings,
    library_id: uuid.UUID | None,
) -> ReconciliationStatusRead:
    """The last pass over the caller's tenant, its counts added up over the branches the
    caller reaches (and `library_id`, when given): a branch clerk sees no other branch's."""
    row = await ReconciliationStatuses(session, caller.tenant_id).current()
    interval = settings.reconcile_interval_seconds or None
    last_run = None
    if row is not None:
        totals = dict.fromkeys(ReconciliationCounts.model_fields, 0)
        for branch, counts in row.by_library.items():
            branch_id = uuid.UUID(branch)
            if library_id is not None and branch_id != library_id:
                continue
            if caller.library_ids is not None and branch_id not in caller.library_ids:
                continue
            for name in totals:
                totals[name] += int(counts.get(name, 0))
        last_run = ReconciliationRun(
            trigger=row.trigger,
            outcome=row.outcome,
            started_at=row.started_at,
            finished_at=row.finished_at,
            counts=ReconciliationCounts(**totals),
        )
    return ReconciliationStatusRead(
        last_run=last_run,
        periodic_interval_seconds=interval,
        next_run_due_at=row.next_run_due_at if row is not None and interval else None,
        after_minutes=settings.reconcile_after_minutes,
    )
