"""A tenant's audit log: the core database's entries merged with its own database's.

The core log holds what the platform did to the tenant and its logins; the
tenant database holds what happened inside it (bookings, payments, …). Both
are read newest first and merged, so one page is a true slice of the union.
"""

from __future__ import annotations

import heapq
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import TenantDatabases, unit_of_work
from studyspot.kit.models import core_audit_logs, tenant_audit_logs
from studyspot.kit.pagination import PageParams
from studyspot.services.tenant.service import get_tenant


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _query(table: Table, tenant_id: uuid.UUID, filters: AuditFilters) -> Select[Any]:
    query = select(table).where(table.c.tenant_id == tenant_id)
    if filters.action:
        query = query.where(table.c.action == filters.action)
    if filters.outcome:
        query = query.where(table.c.outcome == filters.outcome)
    if filters.since:
        query = query.where(table.c.created_at >= filters.since)
    if filters.until:
        query = query.where(table.c.created_at < filters.until)
    return query


async def _newest(
    session: AsyncSession, table: Table, query: Select[Any], limit: int, source: str
) -> tuple[list[dict[str, Any]], int]:
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    if limit <= 0 or total == 0:
        return [], total
    rows = await session.execute(
        query.order_by(table.c.created_at.desc(), table.c.id.desc()).limit(min(limit, total))
    )
    return [{**row._mapping, "source": source} for row in rows], total


async def list_audit_logs(
    core: AsyncSession,
    tenants: TenantDatabases,
    tenant_id: uuid.UUID,
    filters: AuditFilters,
    params: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    tenant = await get_tenant(core, tenant_id)
    # Rows before this page can come from either side, so each side gives its newest
    # offset + page_size rows and the merge throws the leading ones away.
    wanted = params.offset + params.page_size
    platform, platform_total = await _newest(
        core, core_audit_logs, _query(core_audit_logs, tenant_id, filters), wanted, "platform"
    )
    db = await tenants.get(tenant.database_key)
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        own, own_total = await _newest(
            session,
            tenant_audit_logs,
            _query(tenant_audit_logs, tenant_id, filters),
            wanted,
            "tenant",
        )
    merged = heapq.merge(platform, own, key=lambda r: (r["created_at"], r["id"].hex), reverse=True)
    page = list(merged)[params.offset : wanted]
    return page, platform_total + own_total
