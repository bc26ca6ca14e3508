"""The tables of a tenant database that hold tenant rows, found by reflection.

The tenant service must not import other services' models, so it learns the
tables (and their foreign-key order) from the database itself: every table
with a `tenant_id` column holds rows that belong to one tenant.
"""

from __future__ import annotations

import uuid

from sqlalchemy import MetaData, Table, Uuid, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from studyspot.kit.db import Database

TENANT_COLUMN = "tenant_id"


async def scope_to_tenant(conn: AsyncConnection, tenant_id: uuid.UUID) -> None:
    """On PostgreSQL, let row-level security admit this tenant's rows for this transaction.

    The connection keeps its own (owner) role, so tables that a service forgot to
    grant to the RLS role are still readable; the setting is transaction-local.
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT set_config('app.tenant_id', :tid, true)"), {"tid": str(tenant_id)}
        )


async def reflect_tenant_tables(conn: AsyncConnection) -> list[Table]:
    """Tables with a tenant_id column, parents before children."""
    metadata = MetaData()
    await conn.run_sync(lambda sync: metadata.reflect(sync))
    return [t for t in metadata.sorted_tables if TENANT_COLUMN in t.c]


def of_tenant(table: Table, tenant_id: uuid.UUID) -> ColumnElement[bool]:
    # Bound through Uuid so the value is spelled as each backend stores it
    # (native uuid on PostgreSQL, 32 hex characters on SQLite).
    return table.c[TENANT_COLUMN] == literal(tenant_id, Uuid())


async def count_rows(
    conn: AsyncConnection, tables: list[Table], tenant_id: uuid.UUID
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables:
        query = select(func.count()).select_from(table).where(of_tenant(table, tenant_id))
        counts[table.name] = int(await conn.scalar(query) or 0)
    return counts


async def tenant_row_counts(db: Database, tenant_id: uuid.UUID) -> dict[str, int]:
    """How many rows of `tenant_id` each tenant table of `db` holds."""
    async with db.engine.connect() as conn:
        await scope_to_tenant(conn, tenant_id)
        tables = await reflect_tenant_tables(conn)
        return await count_rows(conn, tables, tenant_id)
