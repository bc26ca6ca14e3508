"""Reconciliation: ask the provider about every payment and refund still open after N minutes.

A webhook that never arrived loses nothing: the provider's own record settles
the payment through the same state changes a webhook would make (the same
locks, the same amount check, the same events).

Each tenant's pass ends by recording what it did (`payment_reconciliation_status`,
counts per branch), which the owner console shows as the reconciliation status.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import structlog
from sqlalchemy import select

from studyspot.kit.db import Database, TenantDatabases, unit_of_work
from studyspot.kit.errors import AppError
from studyspot.kit.models import utcnow
from studyspot.kit.scope import Actor
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.payment import lifecycle
from studyspot.services.payment.accounts import load_credentials
from studyspot.services.payment.context import PaymentContext
from studyspot.services.payment.models import Payment, Refund
from studyspot.services.payment.payments import is_link
from studyspot.services.payment.repository import ReconciliationStatuses

log = structlog.get_logger("studyspot.payment.reconcile")

Trigger = Literal["periodic", "command"]
# What one settlement attempt ended in; "gone" means a webhook or another reconciler got
# there first (the row was no longer open under its lock), so this pass counts nothing.
Settled = Literal["settled", "failed", "open", "gone"]


@dataclass
class Report:
    checked: int = 0
    captured: int = 0
    failed: int = 0
    refunds_processed: int = 0
    refunds_failed: int = 0
    errors: int = 0
    still_open: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Counts:
    """What one pass did for one branch: the numbers the status endpoint adds up."""

    checked: int = 0
    settled: int = 0
    failed: int = 0
    still_pending: int = 0
    refunds_processed: int = 0
    refunds_failed: int = 0
    errors: int = 0


# Which count a settlement's result adds to ("gone": nothing, someone else settled it).
_COUNTED: dict[str, dict[Settled, str]] = {
    "payment": {"settled": "settled", "failed": "failed", "open": "still_pending"},
    "refund": {"settled": "refunds_processed", "failed": "refunds_failed"},
}


def _add_up(report: Report, counts: dict[uuid.UUID, Counts]) -> None:
    for c in counts.values():
        report.checked += c.checked
        report.captured += c.settled
        report.failed += c.failed
        report.refunds_processed += c.refunds_processed
        report.refunds_failed += c.refunds_failed
        report.errors += c.errors


async def _settle_payment(
    db: Database, ctx: PaymentContext, tenant_id: uuid.UUID, payment_id: uuid.UUID
) -> Settled:
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        payment = await lifecycle.locked_payment(session, tenant_id, payment_id)
        provider_name, order_id = payment.provider, payment.provider_order_id
        link = is_link(payment)
        credentials = await load_credentials(session, ctx.box, tenant_id, provider_name)
    assert order_id is not None
    # Asked outside any transaction: no lock is held while the provider answers.
    provider = ctx.providers.named(provider_name)
    settlement = await (
        provider.fetch_link_status(credentials, order_id)
        if link
        else provider.fetch_status(credentials, order_id)
    )
    actor = Actor(None, "system:reconcile")
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        payment = await lifecycle.locked_payment(session, tenant_id, payment_id)
        if settlement.outcome == "captured":
            done = await lifecycle.capture(session, payment, actor=actor, settlement=settlement)
            return "settled" if done == "captured" else "gone"
        if settlement.outcome == "failed":
            failed = await lifecycle.fail(session, payment, reason=settlement.reason, actor=actor)
            return "failed" if failed else "gone"
        return "open"


async def _settle_refund(
    db: Database, ctx: PaymentContext, tenant_id: uuid.UUID, refund_id: uuid.UUID
) -> Settled:
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        payment, refund = await lifecycle.locked_refund(session, tenant_id, refund_id)
        provider_name, order_id = payment.provider, payment.provider_order_id
        provider_refund_id = refund.provider_refund_id
        credentials = await load_credentials(session, ctx.box, tenant_id, provider_name)
    assert order_id is not None and provider_refund_id is not None
    outcome = await ctx.providers.named(provider_name).fetch_refund(
        credentials, order_id, provider_refund_id
    )
    actor = Actor(None, "system:reconcile")
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        payment, refund = await lifecycle.locked_refund(session, tenant_id, refund_id)
        if outcome.status == "processed":
            done = await lifecycle.refund_processed(session, payment, refund, actor=actor)
            return "settled" if done else "gone"
        if outcome.status == "failed":
            failed = await lifecycle.refund_failed(session, payment, refund, actor=actor)
            return "failed" if failed else "gone"
        return "open"


async def reconcile(
    core: Database,
    tenants: TenantDatabases,
    ctx: PaymentContext,
    *,
    older_than_minutes: int | None = None,
    trigger: Trigger = "command",
    next_run_in: timedelta | None = None,
) -> Report:
    """One pass over every tenant. `next_run_in`: the periodic job's interval, recorded as
    when its next pass is due (a run by hand has none and leaves the recorded one)."""
    minutes = (
        ctx.settings.reconcile_after_minutes if older_than_minutes is None else older_than_minutes
    )
    started_at = utcnow()
    cutoff = started_at - timedelta(minutes=minutes)
    reconcilable = [name for name, p in ctx.providers.by_name.items() if p.reconcilable]
    report = Report()
    # Row-level security is forced on tenant tables: one scoped look per tenant.
    for home in await tenant_homes(core):
        db = await tenants.get(home.database_key)
        tenant_id = home.tenant_id
        counts: dict[uuid.UUID, Counts] = {}
        outcome = "succeeded"
        try:
            await _reconcile_tenant(db, ctx, tenant_id, cutoff, reconcilable, report, counts)
        except Exception:
            # The pass is recorded as failed (if the database still takes the write) and
            # the next tenant goes on: one tenant's broken database stops no one else.
            outcome = "failed"
            report.errors += 1
            log.exception("reconcile_tenant_failed", tenant_id=str(tenant_id))
        _add_up(report, counts)
        if outcome == "succeeded" and any(c.errors for c in counts.values()):
            outcome = "partial"
        finished_at = utcnow()
        try:
            async with unit_of_work(db, tenant_id=tenant_id) as session:
                await ReconciliationStatuses(session, tenant_id).replace(
                    trigger=trigger,
                    outcome=outcome,
                    started_at=started_at,
                    finished_at=finished_at,
                    by_library={str(k): asdict(v) for k, v in counts.items()},
                    next_run_due_at=finished_at + next_run_in if next_run_in else None,
                )
        except Exception:
            log.exception("reconcile_status_not_recorded", tenant_id=str(tenant_id))
    return report


async def _reconcile_tenant(
    db: Database,
    ctx: PaymentContext,
    tenant_id: uuid.UUID,
    cutoff: datetime,
    reconcilable: list[str],
    report: Report,
    counts: dict[uuid.UUID, Counts],
) -> None:
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        payments = list(
            await session.execute(
                select(Payment.id, Payment.library_id).where(
                    Payment.tenant_id == tenant_id,
                    Payment.status.in_(lifecycle.OPEN),
                    Payment.provider.in_(reconcilable),
                    Payment.provider_order_id.is_not(None),
                    Payment.created_at <= cutoff,
                )
            )
        )
        refunds = list(
            await session.execute(
                select(Refund.id, Payment.library_id)
                .join(Payment, Payment.id == Refund.payment_id)
                .where(
                    Refund.tenant_id == tenant_id,
                    Refund.status == "pending",
                    Refund.provider_refund_id.is_not(None),
                    Payment.provider.in_(reconcilable),
                    Refund.created_at <= cutoff,
                )
            )
        )
    work = [(pid, lib, "payment") for pid, lib in payments]
    work += [(rid, lib, "refund") for rid, lib in refunds]
    for row_id, library_id, kind in work:
        branch = counts.setdefault(library_id, Counts())
        settle = _settle_payment if kind == "payment" else _settle_refund
        branch.checked += kind == "payment"
        try:
            result = await settle(db, ctx, tenant_id, row_id)
        except AppError as exc:
            branch.errors += 1
            log.warning(f"reconcile_{kind}_failed", **{f"{kind}_id": str(row_id)}, code=exc.code)
            continue
        if kind == "payment" and result == "open":
            report.still_open.append(row_id)
        name = _COUNTED[kind].get(result)
        if name is not None:
            setattr(branch, name, getattr(branch, name) + 1)
