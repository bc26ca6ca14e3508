"""Per-library change counters of a tenant database, kept by triggers.

A cache of data derived from many rows (a library's catalog, its seat map) stores the
counter's value beside what it derived, and serves it again only while the counter
reads the same. The triggers (kit/migration_helpers.py, `watch_changes`) bump it in the
transaction that changes a watched row, so it moves at the commit of the change, in
every process and on both databases; no write path can forget it. Its rows are never
deleted nor moved with a tenant, so a value is never reused within a database: keys
also name the database (`database_name`).
"""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, Column, Engine, Table, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.models import TenantBase


def counter_table(name: str) -> Table:
    """The table a migration made with `create_change_counter(name)`."""
    return Table(
        name,
        TenantBase.metadata,
        Column("tenant_id", Uuid, primary_key=True),
        Column("library_id", Uuid, primary_key=True),
        Column("version", BigInteger, nullable=False),
    )


async def version_of(
    session: AsyncSession, counter: Table, tenant_id: uuid.UUID, library_id: uuid.UUID
) -> int:
    """The library's counter in the session's transaction; 0 before its first change."""
    connection = await session.connection()
    found = await connection.scalar(
        select(counter.c.version).where(
            counter.c.tenant_id == tenant_id, counter.c.library_id == library_id
        )
    )
    return int(found or 0)


async def versions_of(
    session: AsyncSession, counter: Table, tenant_id: uuid.UUID, keys: list[uuid.UUID]
) -> list[int]:
    """Several counters of `counter` in one statement, in the order of `keys`."""
    connection = await session.connection()
    rows = await connection.execute(
        select(counter.c.library_id, counter.c.version).where(
            counter.c.tenant_id == tenant_id, counter.c.library_id.in_(keys)
        )
    )
    found = {key: int(version) for key, version in rows}
    return [found.get(key, 0) for key in keys]


def database_name(session: AsyncSession) -> str:
    """Which database the session works in (the shared tenant database or a dedicated one)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return str(engine.url.database)
