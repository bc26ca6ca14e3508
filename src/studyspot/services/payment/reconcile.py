"""Reconciliation: ask the provider about every payment and refund still open after N minutes.

A webhook that never arrived loses nothing: the provider's own record settles
the payment through the same state changes a webhook would make (the same
locks, the same amount check, the same events).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from sqlalchemy import select

from studyspot.kit.db import Database, TenantDatabases, unit_of_work
from studyspot.kit.errors import AppError
from studyspot.kit.models import utcnow
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.payment import lifecycle
from studyspot.services.payment.accounts import load_credentials
from studyspot.services.payment.context import PaymentContext
from studyspot.services.payment.models import Payment, Refund

log = structlog.get_logger("studyspot.payment.reconcile")


@dataclass
class Report:
    checked: int = 0
    captured: int = 0
    failed: int = 0
    refunds_processed: int = 0
    refunds_failed: int = 0
    errors: int = 0
    still_open: list[uuid.UUID] = field(default_factory=list)


async def _settle_payment(
    db: Database, ctx: PaymentContext, tenant_id: uuid.UUID, payment_id: uuid.UUID, report: Report
) -> None:
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        payment = await lifecycle.locked_payment(session, tenant_id, payment_id)
        provider_name, order_id = payment.provider, payment.provider_order_id
        credentials = await load_credentials(session, ctx.box, tenant_id, provider_name)
    assert order_id is not None
    # Asked outside any transaction: no lock is held while the provider answers.
    settlement = await ctx.providers.named(provider_name).fetch_status(credentials, order_id)
    actor = lifecycle.Actor(None, "system:reconcile")
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        payment = await lifecycle.locked_payment(session, tenant_id, payment_id)
        if settlement.outcome == "captured":
            if (
                await lifecycle.capture(session, payment, actor=actor, settlement=settlement)
                == "captured"
            ):
                report.captured += 1
        elif settlement.outcome == "failed":
            if await lifecycle.fail(session, payment, reason=settlement.reason, actor=actor):
                report.failed += 1
        else:
            report.still_open.append(payment_id)


async def _settle_refund(
    db: Database, ctx: PaymentContext, tenant_id: uuid.UUID, refund_id: uuid.UUID, report: Report
) -> None:
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        payment, refund = await lifecycle.locked_refund(session, tenant_id, refund_id)
        provider_name, order_id = payment.provider, payment.provider_order_id
        provider_refund_id = refund.provider_refund_id
        credentials = await load_credentials(session, ctx.box, tenant_id, provider_name)
    assert order_id is not None and provider_refund_id is not None
    outcome = await ctx.providers.named(provider_name).fetch_refund(
        credentials, order_id, provider_refund_id
    )
    actor = lifecycle.Actor(None, "system:reconcile")
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        payment, refund = await lifecycle.locked_refund(session, tenant_id, refund_id)
        if outcome.status == "processed":
            if await lifecycle.refund_processed(session, payment, refund, actor=actor):
                report.refunds_processed += 1
        elif outcome.status == "failed" and await lifecycle.refund_failed(
            session, payment, refund, actor=actor
        ):
            report.refunds_failed += 1


async def reconcile(
    core: Database,
    tenants: TenantDatabases,
    ctx: PaymentContext,
    *,
    older_than_minutes: int | None = None,
) -> Report:
    minutes = (
        ctx.settings.reconcile_after_minutes if older_than_minutes is None else older_than_minutes
    )
    cutoff = utcnow() - timedelta(minutes=minutes)
    reconcilable = [name for name, p in ctx.providers.by_name.items() if p.reconcilable]
    report = Report()
    # Row-level security is forced on tenant tables: one scoped look per tenant.
    for home in await tenant_homes(core):
        db = await tenants.get(home.database_key)
        tenant_id = home.tenant_id
        async with unit_of_work(db, tenant_id=tenant_id) as session:
            payments = list(
                await session.scalars(
                    select(Payment.id).where(
                        Payment.tenant_id == tenant_id,
                        Payment.status.in_(lifecycle.OPEN),
                        Payment.provider.in_(reconcilable),
                        Payment.provider_order_id.is_not(None),
                        Payment.created_at <= cutoff,
                    )
                )
            )
            refunds = list(
                await session.scalars(
                    select(Refund.id)
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
        for payment_id in payments:
            report.checked += 1
            try:
                await _settle_payment(db, ctx, tenant_id, payment_id, report)
            except AppError as exc:
                report.errors += 1
                log.warning("reconcile_payment_failed", payment_id=str(payment_id), code=exc.code)
        for refund_id in refunds:
            try:
                await _settle_refund(db, ctx, tenant_id, refund_id, report)
            except AppError as exc:
                report.errors += 1
                log.warning("reconcile_refund_failed", refund_id=str(refund_id), code=exc.code)
    return report
