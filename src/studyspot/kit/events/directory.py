"""Where a tenant's data lives, as the event backbone needs to know it.

Events are read from every outbox (core, the shared tenant database, each
dedicated one) and a consumer's writes go to the database of the event's
tenant. Both facts come from the core `tenants` table (id, status,
database_key), which the tenant service owns; like kit/auth.py the kit reads
those three columns directly. Until the tenant service's migration has run,
there is no such table and every tenant lives in the shared database.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import String, Uuid, column, inspect, select, table

from studyspot.kit.db import Database

MIGRATING = "migrating"

# The three columns the kit reads; the table itself is the tenant service's.
_tenants = table(
    "tenants", column("id", Uuid), column("status", String), column("database_key", String)
)


@dataclass(frozen=True)
class TenantPlacement:
    database_key: str | None  # None: the shared tenant database
    migrating: bool = False


class TenantDirectory(Protocol):
    async def placement(self, tenant_id: uuid.UUID) -> TenantPlacement: ...

    async def dedicated_keys(self) -> list[str]: ...


class CoreTenantDirectory:
    """Reads the core `tenants` table on every question.

    No caching: an option-A move changes `database_key`, and a consumer that
    wrote to the old database after the move would lose the write.
    """

    _RECHECK_SECONDS = 30.0

    def __init__(self, core: Database) -> None:
        self.core = core
        self._has_table = False
        self._checked_at = float("-inf")

    async def _table_exists(self) -> bool:
        if self._has_table:
            return True
        now = time.monotonic()
        if now - self._checked_at < self._RECHECK_SECONDS:
            return False
        self._checked_at = now
        async with self.core.reader.connect() as conn:
            self._has_table = await conn.run_sync(lambda c: inspect(c).has_table("tenants"))
        return self._has_table

    async def placement(self, tenant_id: uuid.UUID) -> TenantPlacement:
        if not await self._table_exists():
            return TenantPlacement(None)
        async with self.core.reader.connect() as conn:
            query = select(_tenants.c.database_key, _tenants.c.status).where(
                _tenants.c.id == tenant_id
            )
            row = (await conn.execute(query)).first()
        if row is None:
            return TenantPlacement(None)
        return TenantPlacement(row[0] or None, row[1] == MIGRATING)

    async def dedicated_keys(self) -> list[str]:
        if not await self._table_exists():
            return []
        async with self.core.reader.connect() as conn:
            query = (
                select(_tenants.c.database_key)
                .where(_tenants.c.database_key.is_not(None), _tenants.c.database_key != "")
                .distinct()
                .order_by(_tenants.c.database_key)
            )
            return list((await conn.execute(query)).scalars())


class StaticTenantDirectory:
    """A fixed placement map: for tests and for tools that already know it."""

    def __init__(self, keys: dict[uuid.UUID, str] | None = None) -> None:
        self.keys = dict(keys or {})
        self.migrating: set[uuid.UUID] = set()

    async def placement(self, tenant_id: uuid.UUID) -> TenantPlacement:
        return TenantPlacement(self.keys.get(tenant_id), tenant_id in self.migrating)

    async def dedicated_keys(self) -> list[str]:
        return sorted(set(self.keys.values()))
