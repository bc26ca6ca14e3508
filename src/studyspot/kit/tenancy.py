"""Every tenant and the database it lives in, for periodic jobs that act across tenants.

Tenant tables force row-level security, so a job cannot sweep all tenants in
one unscoped query: it walks the tenants and opens one scoped unit of work
each. Like `kit.auth` and `kit.events.directory`, the kit reads three columns
of the core `tenants` table (owned by the tenant service) for this.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import String, Uuid, column, inspect, select, table

from studyspot.kit.db import Database

_tenants = table(
    "tenants", column("id", Uuid), column("status", String), column("database_key", String)
)


@dataclass(frozen=True)
class TenantHome:
    tenant_id: uuid.UUID
    status: str
    database_key: str | None  # None: the shared tenant database


async def tenant_homes(core: Database) -> list[TenantHome]:
    """Every tenant except those being moved (a write to the database they leave would be lost)."""
    async with core.reader.connect() as conn:
        if not await conn.run_sync(lambda c: inspect(c).has_table("tenants")):
            return []
        rows = await conn.execute(
            select(_tenants.c.id, _tenants.c.status, _tenants.c.database_key)
            .where(_tenants.c.status != "migrating")
            .order_by(_tenants.c.id)
        )
        return [TenantHome(r[0], str(r[1]), r[2] or None) for r in rows]
