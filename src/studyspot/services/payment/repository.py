"""Queries, locks and conditional state changes of the payment tables.

Locking order inside one transaction, always: payment row, then the booking's
due row, then the invoice counter row. Every capture and refund follows it, so
two of them can wait on each other but never deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.models import utcnow
from studyspot.kit.repository import TenantRepository
from studyspot.services.payment.models import (
    Due,
    Invoice,
    InvoiceCounter,
    OrderRoute,
    Payment,
    ReconciliationStatus,
    Refund,
    WebhookReceipt,
)


def _insert(session: AsyncSession, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


class Payments(TenantRepository[Payment]):
    model = Payment

    async def locked(self, payment_id: uuid.UUID) -> Payment | None:
        query = (
            self.select()
            .where(Payment.id == payment_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return await self.first(query)

    async def transition(
        self, payment_id: uuid.UUID, allowed_from: Iterable[str], **values: Any
    ) -> bool:
        """One conditional UPDATE: True when the payment was in `allowed_from` and changed."""
        result = await self.session.execute(
            update(Payment)
            .where(
                Payment.tenant_id == self.tenant_id,
                Payment.id == payment_id,
                Payment.status.in_(list(allowed_from)),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def reserve_refund(self, payment_id: uuid.UUID, amount_paise: int) -> bool:
        """Add to the refund reservation unless it would exceed the captured amount."""
        result = await self.session.execute(
            update(Payment)
            .where(
                Payment.tenant_id == self.tenant_id,
                Payment.id == payment_id,
                Payment.status.in_(["captured", "partially_refunded"]),
                Payment.refund_reserved_paise + amount_paise <= Payment.amount_paise,
            )
            .values(refund_reserved_paise=Payment.refund_reserved_paise + amount_paise)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def open_online_for_booking(self, booking_id: uuid.UUID) -> list[Payment]:
        return await self.all(
            self.select().where(
                Payment.booking_id == booking_id,
                Payment.status == "pending",
                Payment.provider.in_(["razorpay", "cashfree", "upi"]),
            )
        )

    def by_provider_order(self, provider: str, order_id: str) -> Select[Payment]:
        return self.select().where(
            Payment.provider == provider, Payment.provider_order_id == order_id
        )


class Dues(TenantRepository[Due]):
    model = Due

    def _new_row(
        self,
        *,
        booking_id: uuid.UUID,
        student_id: uuid.UUID,
        library_id: uuid.UUID,
        charged_paise: int,
        due_date: date,
        status: str = "open",
        closed_at: datetime | None = None,
        adjustment_paise: int = 0,
    ) -> Any:
        now = utcnow()
        return _insert(self.session, Due).values(
            id=uuid.uuid4(),
            tenant_id=self.tenant_id,
            booking_id=booking_id,
            student_id=student_id,
            library_id=library_id,
            charged_paise=charged_paise,
            paid_paise=0,
            refunded_paise=0,
            adjustment_paise=adjustment_paise,
            due_date=due_date,
            status=status,
            closed_at=closed_at,
            created_at=now,
            updated_at=now,
        )

    async def _upsert(self, insert: Any, changes: dict[str, Any], where: Any = None) -> None:
        """Insert the booking's row, or apply `changes` to the one already there."""
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=[Due.tenant_id, Due.booking_id],
                set_={**changes, "updated_at": insert.excluded.updated_at},
                where=where,
            )
        )

    async def record_booking(
        self,
        *,
        booking_id: uuid.UUID,
        student_id: uuid.UUID,
        library_id: uuid.UUID,
        charged_paise: int,
        due_date: date,
    ) -> None:
        """`booking.created`: the due row with the booking's figures.

        A row already there (a payment, a close or a transfer got here first)
        takes the booking's figures but keeps its status, payments and
        adjustments: a late creation never reopens a closed due.
        """
        insert = self._new_row(
            booking_id=booking_id,
            student_id=student_id,
            library_id=library_id,
            charged_paise=charged_paise,
            due_date=due_date,
        )
        await self._upsert(
            insert,
            {
                "student_id": insert.excluded.student_id,
                "library_id": insert.excluded.library_id,
                "charged_paise": insert.excluded.charged_paise,
                "due_date": insert.excluded.due_date,
            },
        )

    async def close(
        self,
        *,
        booking_id: uuid.UUID,
        student_id: uuid.UUID,
        library_id: uuid.UUID,
        status: str,
        closed_at: datetime,
        due_date: date,
    ) -> None:
        """Close the booking's due (`cancelled` / `expired`); the first close wins.

        Without a row yet (the close overtook `booking.created`) one is made
        closed, charging nothing, with `due_date` as a stand-in until the
        booking's own figures arrive.
        """
        insert = self._new_row(
            booking_id=booking_id,
            student_id=student_id,
            library_id=library_id,
            charged_paise=0,
            due_date=due_date,
            status=status,
            closed_at=closed_at,
        )
        await self._upsert(
            insert,
            {"status": insert.excluded.status, "closed_at": insert.excluded.closed_at},
            where=Due.status == "open",
        )

    async def adjust(
        self,
        *,
        booking_id: uuid.UUID,
        student_id: uuid.UUID,
        library_id: uuid.UUID,
        difference_paise: int,
        due_date: date,
    ) -> None:
        """Add a transfer's price difference; without a row yet, one holding only it."""
        insert = self._new_row(
            booking_id=booking_id,
            student_id=student_id,
            library_id=library_id,
            charged_paise=0,
            due_date=due_date,
            adjustment_paise=difference_paise,
        )
        await self._upsert(
            insert,
            {"adjustment_paise": Due.adjustment_paise + insert.excluded.adjustment_paise},
        )

    async def locked(self, booking_id: uuid.UUID) -> Due | None:
        query = (
            self.select()
            .where(Due.booking_id == booking_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return await self.first(query)


class Counters:
    """Invoice numbers: one counter row per (tenant, series, financial year)."""

    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def next(self, series: str, fy: str) -> int:
        """The next number; the UPDATE holds the counter row lock until commit, so no gaps."""
        bump = (
            update(InvoiceCounter)
            .where(
                InvoiceCounter.tenant_id == self.tenant_id,
                InvoiceCounter.series == series,
                InvoiceCounter.financial_year == fy,
            )
            .values(last_seq=InvoiceCounter.last_seq + 1)
            .returning(InvoiceCounter.last_seq)
        )
        seq = await self.session.scalar(bump)
        if seq is None:
            await self.session.execute(
                _insert(self.session, InvoiceCounter)
                .values(tenant_id=self.tenant_id, series=series, financial_year=fy, last_seq=0)
                .on_conflict_do_nothing()
            )
            seq = await self.session.scalar(bump)
        assert seq is not None
        return int(seq)


class Invoices(TenantRepository[Invoice]):
    model = Invoice

    async def for_payment(self, payment_id: uuid.UUID) -> list[Invoice]:
        return await self.all(
            self.select().where(Invoice.payment_id == payment_id).order_by(Invoice.issued_at)
        )

    async def by_number(self, number: str) -> Invoice | None:
        """Numbers carry their series (`INV/…`, `RCT/…`), so one names one document."""
        return await self.first(self.select().where(Invoice.number == number))


class Refunds(TenantRepository[Refund]):
    model = Refund

    async def for_payment(self, payment_id: uuid.UUID) -> list[Refund]:
        return await self.all(
            self.select().where(Refund.payment_id == payment_id).order_by(Refund.created_at)
        )

    async def by_provider_id(self, provider_refund_id: str) -> Refund | None:
        return await self.first(
            self.select().where(Refund.provider_refund_id == provider_refund_id)
        )

    async def processed_total(self, payment_id: uuid.UUID) -> int:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(Refund.amount_paise), 0)).where(
                Refund.tenant_id == self.tenant_id,
                Refund.payment_id == payment_id,
                Refund.status == "processed",
            )
        )
        return int(total or 0)


class Receipts:
    """The webhook deduplication ledger."""

    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def first_time(
        self, provider: str, event_key: str, event_type: str, payment_id: uuid.UUID | None
    ) -> bool:
        """Record the event; False when it was already processed (a redelivery)."""
        result = await self.session.execute(
            _insert(self.session, WebhookReceipt)
            .values(
                id=uuid.uuid4(),
                tenant_id=self.tenant_id,
                provider=provider,
                event_key=event_key,
                event_type=event_type,
                payment_id=payment_id,
                received_at=utcnow(),
            )
            .on_conflict_do_nothing()
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def add_route(
    session: AsyncSession, provider: str, provider_order_id: str, tenant_id: uuid.UUID
) -> None:
    await session.execute(
        _insert(session, OrderRoute)
        .values(
            provider=provider,
            provider_order_id=provider_order_id,
            tenant_id=tenant_id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )


async def route_of(
    session: AsyncSession, provider: str, provider_order_id: str
) -> uuid.UUID | None:
    found = await session.scalar(
        select(OrderRoute.tenant_id).where(
            OrderRoute.provider == provider, OrderRoute.provider_order_id == provider_order_id
        )
    )
    return found


class ReconciliationStatuses(TenantRepository[ReconciliationStatus]):
    model = ReconciliationStatus

    async def current(self) -> ReconciliationStatus | None:
        return await self.first(self.select())

    async def replace(
        self,
        *,
        trigger: str,
        outcome: str,
        started_at: datetime,
        finished_at: datetime,
        by_library: dict[str, Any],
        next_run_due_at: datetime | None,
    ) -> None:
        """Upsert the tenant's row; several reconcilers racing simply leave the last pass.

        A run by hand (`next_run_due_at` None) keeps the periodic job's due time.
        """
        values: dict[str, Any] = {
            "trigger": trigger,
            "outcome": outcome,
            "started_at": started_at,
            "finished_at": finished_at,
            "by_library": by_library,
        }
        if next_run_due_at is not None:
            values["next_run_due_at"] = next_run_due_at
        insert = _insert(self.session, ReconciliationStatus).values(
            tenant_id=self.tenant_id, **values
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=[ReconciliationStatus.tenant_id], set_=values
            )
        )
