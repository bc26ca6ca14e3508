"""What other services read of a student's money (the internal API, docs/internal-api.md)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.pagination import PageParams, paginate
from studyspot.services.payment.client import (
    MAX_DUES,
    DuesToCollect,
    DueToCollect,
    InternalPayment,
    InternalPaymentPage,
    StudentBalance,
    StudentsWithDues,
)
from studyspot.services.payment.models import Due, Payment
from studyspot.services.payment.queries import invoice_numbers

# To collect: the definition the student list's "with dues" filter and analytics share.
_COLLECTING = (Due.status == "open") & (Due.balance_paise > 0)


async def student_payments(
    session: AsyncSession, tenant_id: uuid.UUID, student_id: uuid.UUID, paging: PageParams
) -> InternalPaymentPage:
    query: Select[Any] = select(Payment).where(
        Payment.tenant_id == tenant_id, Payment.student_id == student_id
    )
    rows, total = await paginate(
        session, query, paging, [Payment.created_at.desc(), Payment.id.desc()]
    )
    numbers = await invoice_numbers(session, tenant_id, [p.id for p in rows])
    items = [
        InternalPayment(
            id=p.id,
            booking_id=p.booking_id,
            library_id=p.library_id,
            method=p.method,
            status=p.status,
            amount_paise=p.amount_paise,
            refunded_paise=p.refunded_paise,
            currency=p.currency,
            created_at=p.created_at,
            captured_at=p.captured_at,
            invoice_number=numbers.get(p.id),
        )
        for p in rows
    ]
    return InternalPaymentPage(
        items=items, total=total, page=paging.page, page_size=paging.page_size
    )


async def student_balance(
    session: AsyncSession, tenant_id: uuid.UUID, student_id: uuid.UUID
) -> StudentBalance:
    charged = case((Due.status == "open", Due.charged_paise + Due.adjustment_paise), else_=0)
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(charged), 0),
                func.coalesce(func.sum(Due.paid_paise), 0),
                func.coalesce(func.sum(Due.refunded_paise), 0),
                func.coalesce(func.sum(Due.balance_paise), 0),
                func.coalesce(func.sum(case((_COLLECTING, 1), else_=0)), 0),
            ).where(Due.tenant_id == tenant_id, Due.student_id == student_id)
        )
    ).one()
    return StudentBalance(
        student_id=student_id,
        charged_paise=int(row[0]),
        paid_paise=int(row[1]),
        refunded_paise=int(row[2]),
        balance_paise=int(row[3]),
        open_dues=int(row[4]),
    )


async def students_with_dues(
    session: AsyncSession, tenant_id: uuid.UUID, library_id: uuid.UUID | None
) -> StudentsWithDues:
    query = select(Due.student_id).where(Due.tenant_id == tenant_id, _COLLECTING).distinct()
    if library_id is not None:
        query = query.where(Due.library_id == library_id)
    ids = list(await session.scalars(query.order_by(Due.student_id)))
    return StudentsWithDues(student_ids=ids, count=len(ids))


async def dues_to_collect(
    session: AsyncSession, tenant_id: uuid.UUID, due_dates: list[date]
) -> DuesToCollect:
    rows = await session.scalars(
        select(Due)
        .where(Due.tenant_id == tenant_id, _COLLECTING, Due.due_date.in_(due_dates))
        .order_by(Due.due_date, Due.booking_id)
        .limit(MAX_DUES)
    )
    return DuesToCollect(
        items=[
            DueToCollect(
                booking_id=d.booking_id,
                student_id=d.student_id,
                library_id=d.library_id,
                due_date=d.due_date,
                balance_paise=d.balance_paise,
            )
            for d in rows
        ]
    )
