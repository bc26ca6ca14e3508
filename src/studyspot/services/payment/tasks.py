"""Background jobs of the payment service: the periodic reconciliation.

Jobs take no request state: they open their own databases and sessions. Run
it from `studyspot payments reconcile` (cron, or by hand), or inside the
service process by setting PAYMENT_RECONCILE_INTERVAL_SECONDS; several
instances running it at once are harmless (each payment is settled under its
row lock, and a settled payment is left alone).
"""

from __future__ import annotations

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
        return await reconcile(core, tenants, ctx, older_than_minutes=older_than_minutes)
    finally:
        await ctx.close()
        await tenants.dispose()
        await core.dispose()


async def reconcile_round(core: Database, tenants: TenantDatabases, ctx: PaymentContext) -> None:
    """One round of the in-process reconciliation (`studyspot.kit.periodic`)."""
    report = await reconcile(core, tenants, ctx)
    log.info(
        "reconcile_round",
        checked=report.checked,
        captured=report.captured,
        failed=report.failed,
        errors=report.errors,
    )
