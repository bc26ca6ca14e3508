"""The platform's view of its tenants' subscriptions: the list a platform admin picks a
tenant from, and one tenant's history of subscription changes (its audit rows).

The tenant's name, slug and contact e-mail are the tenant service's; both live in the core
database, so they are read here as the lifecycle job reads them (the `tenants` table by
name, never the tenant service's models), in one query with the subscriptions.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import String, Uuid, column, func, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.models import UTCDateTime, core_audit_logs
from studyspot.kit.pagination import PageParams
from studyspot.services.subscription.models import Invoice, Subscription

# The tenant service's table, only the columns the list shows and searches.
_tenants = table(
    "tenants",
    column("id", Uuid()),
    column("name", String()),
    column("slug", String()),
    column("contact_email", String()),
    column("status", String()),
    column("created_at", UTCDateTime()),
)

# Dunning has begun and not given up: money is owed (the revenue page's `past_due` too).
PAST_DUE = ("past_due", "grace")
HISTORY_PREFIX = "subscription."


def _like(text: str) -> str:
    """`text` anywhere, case-insensitive, with LIKE's wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_tenants(
    session: AsyncSession,
    params: PageParams,
    *,
    text: str | None,
    statuses: Collection[str],
    past_due: bool | None,
) -> tuple[list[dict[str, Any]], int]:
    """Tenants newest first, each with its subscription (none yet: signed up moments ago,
    opened by the lifecycle job or the first look) and how many of its invoices are unpaid."""
    unpaid = (
        select(func.count())
        .where(Invoice.tenant_id == _tenants.c.id, Invoice.status == "unpaid")
        .correlate(_tenants)
        .scalar_subquery()
    )
    query = select(
        _tenants.c.id.label("tenant_id"),
        _tenants.c.name.label("tenant_name"),
        _tenants.c.slug.label("tenant_slug"),
        _tenants.c.status.label("tenant_status"),
        Subscription.plan_code,
        Subscription.billing_cycle,
        Subscription.price_paise,
        Subscription.status,
        Subscription.trial_ends_at,
        Subscription.current_period_end,
        unpaid.label("unpaid_invoices"),
    ).select_from(_tenants.outerjoin(Subscription, Subscription.tenant_id == _tenants.c.id))
    if text:
        pattern = _like(text)
        query = query.where(
            or_(
                func.lower(_tenants.c.name).like(pattern, escape="\\"),
                func.lower(_tenants.c.slug).like(pattern, escape="\\"),
                func.lower(_tenants.c.contact_email).like(pattern, escape="\\"),
            )
        )
    if statuses:
        query = query.where(Subscription.status.in_(list(statuses)))
    if past_due is True:
        query = query.where(Subscription.status.in_(PAST_DUE))
    elif past_due is False:
        query = query.where(
            or_(Subscription.status.is_(None), Subscription.status.not_in(PAST_DUE))
        )
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(_tenants.c.created_at.desc(), _tenants.c.id)
        .offset(params.offset)
        .limit(params.page_size)
    )
    items = [
        {**row._mapping, "past_due": row.status in PAST_DUE, "unpaid_invoices": row.unpaid_invoices}
        for row in rows
    ]
    return items, int(total or 0)


async def history(
    session: AsyncSession, tenant_id: uuid.UUID, params: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """The tenant's subscription changes, newest first: the audit rows every change writes
    in its own transaction (`service._changed`), so nothing is listed that did not happen."""
    query = select(core_audit_logs).where(
        core_audit_logs.c.tenant_id == tenant_id,
        core_audit_logs.c.action.startswith(HISTORY_PREFIX, autoescape=True),
    )
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(core_audit_logs.c.created_at.desc(), core_audit_logs.c.id.desc())
        .offset(params.offset)
        .limit(params.page_size)
    )
    return [dict(row._mapping) for row in rows], int(total or 0)
