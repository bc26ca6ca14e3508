"""A tenant's audit log: the core database's entries merged with its own database's.

The core log holds what the platform did to the tenant and its logins; the
tenant database holds what happened inside it (bookings, payments, …). Both
are read newest first and merged, so one page is a true slice of the union.

Paging goes on by keyset (`?after=<next_after of the previous page>`): each
side reads one page past the cursor from its (tenant_id, created_at) index,
whatever the depth. Offset paging (`?page=`) stays for the first
MAX_OFFSET_ROWS entries only, because each side must read every entry before
the page to merge them.
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
from studyspot.kit.pagination import PageParams, Position
from studyspot.services.tenant.tenants import get_tenant

MAX_OFFSET_ROWS = 10_000


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    rows: list[dict[str, Any]]
    total: int
    next_after: str | None  # None: this is the last page


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
    session: AsyncSession,
    table: Table,
    query: Select[Any],
    after: Position | None,
    limit: int,
    source: str,
) -> tuple[list[dict[str, Any]], int]:
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    if total == 0:
        return [], total
    if after is not None:
        query = query.where(after.older(table.c.created_at, table.c.id))
    rows = await session.execute(
        query.order_by(table.c.created_at.desc(), table.c.id.desc()).limit(limit)
    )
    return [{**row._mapping, "source": source} for row in rows], total


async def list_audit_logs(
    core: AsyncSession,
    tenants: TenantDatabases,
    tenant_id: uuid.UUID,
    filters: AuditFilters,
    params: PageParams,
    after: Position | None = None,
) -> AuditPage:
    tenant = await get_tenant(core, tenant_id)
    # Rows before this page can come from either side, so each side gives its newest
    # skip + page_size rows (one more, to tell whether a next page exists) and the
    # merge throws the leading ones away. With a cursor nothing is skipped.
    skip = 0 if after is not None else params.offset
    wanted = skip + params.page_size
    platform, platform_total = await _newest(
        core,
        core_audit_logs,
        _query(core_audit_logs, tenant_id, filters),
        after,
        wanted + 1,
        "platform",
    )
    db = await tenants.get(tenant.database_key)
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        own, own_total = await _newest(
            session,
            tenant_audit_logs,
            _query(tenant_audit_logs, tenant_id, filters),
            after,
            wanted + 1,
            "tenant",
        )
    merged = list(
        heapq.merge(platform, own, key=lambda r: (r["created_at"], r["id"].hex), reverse=True)
    )
    page = merged[skip:wanted]
    next_after = (
        Position(page[-1]["created_at"], page[-1]["id"]).encode()
        if page and len(merged) > wanted
        else None
    )
    return AuditPage(page, platform_total + own_total, next_after)
