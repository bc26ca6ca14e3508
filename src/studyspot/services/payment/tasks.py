"""Background jobs of the payment service: the periodic reconciliation.

Jobs take no request state: they open their own databases and sessions. Run
it from `studyspot payments reconcile` (by hand), and inside every service
process every PAYMENT_RECONCILE_INTERVAL_SECONDS (default 300; 0 off); several
instances running it at once are harmless (each payment is settled under its
row lock, and a settled payment is left alone).
"""

from __future__ import annotations

from datetime import timedelta

import structlog

from studyspot.kit.db import Database, TenantDatabases
from studyspot.kit.settings import Settings
from studyspot.services.payment.config import PaymentSettings
from studyspot.services.payment.context import PaymentContext
from studyspot.services.payment.reconcile import Report, reconcile

log = structlog.get_logger("studyspot.payment.tasks")


async def reconcile_once(
    settings: Settings,
    payment_settings: PaymentSettings | None = None,
    *,
    older_than_minutes: int | None = None,
) -> Report:
    core = Database.create(settings.core_db_url, pool_size=2, max_overflow=0)
    tenants = TenantDatabases(settings)
    ctx = PaymentContext.create(settings, payment_settings)
    try:
        return await reconcile(
            core, tenants, ctx, older_than_minutes=older_than_minutes, trigger="command"
        )
    finally:
        await ctx.close()
        await tenants.dispose()
        await core.dispose()


async def reconcile_round(core: Database, tenants: TenantDatabases, ctx: PaymentContext) -> None:
    """One round of the in-process reconciliation (`studyspot.kit.periodic`).

    `kit.periodic` sleeps one interval after a round ends, so the next is due then.
    """
    interval = timedelta(seconds=ctx.settings.reconcile_interval_seconds)
    report = await reconcile(core, tenants, ctx, trigger="periodic", next_run_in=interval)
    log.info(
        "reconcile_round",
        checked=report.checked,
        captured=report.captured,
        failed=report.failed,
        errors=report.errors,
    )
