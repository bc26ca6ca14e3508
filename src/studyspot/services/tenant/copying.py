"""Copying one tenant's rows between two tenant databases of the same schema.

Each table's rows get an order-independent digest (row count plus the sum of
row hashes), so the copy can be checked against what landed and, later,
against the source again: a row inserted, deleted or updated in between
changes the digest.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, func, insert, select, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from studyspot.kit.db import Database
from studyspot.services.tenant.tenant_tables import (
    of_tenant,
    reflect_tenant_tables,
    scope_to_tenant,
)

_BATCH = 1000
_MODULUS = 1 << 256


class CopyFailed(Exception):
    """The copy does not match its source; nothing of it may be used."""


@dataclass
class Digest:
    rows: int = 0
    total: int = 0

    def add(self, values: Sequence[Any]) -> None:
        row_hash = hashlib.sha256(repr(tuple(values)).encode()).digest()
        self.total = (self.total + int.from_bytes(row_hash, "big")) % _MODULUS
        self.rows += 1


async def digest_rows(
    conn: AsyncConnection, table: Table, columns: Sequence[Column[Any]], tenant_id: uuid.UUID
) -> Digest:
    digest = Digest()
    result = await conn.stream(
        select(*columns).where(of_tenant(table, tenant_id)).execution_options(yield_per=_BATCH)
    )
    async for partition in result.partitions(_BATCH):
        for row in partition:
            digest.add(row)
    return digest


async def digest_tenant(
    conn: AsyncConnection, tables: Sequence[Table], tenant_id: uuid.UUID
) -> dict[str, Digest]:
    return {t.name: await digest_rows(conn, t, list(t.columns), tenant_id) for t in tables}


async def copy_tenant(
    source: Database, target: Database, tenant_id: uuid.UUID
) -> dict[str, Digest]:
    """Copy every row of `tenant_id` into `target`, parents first, and commit there.

    Returns the digest of what was copied, per table, once the target is known to
    hold exactly that.
    """
    copied: dict[str, Digest] = {}
    async with source.engine.connect() as src, target.engine.begin() as dst:
        await scope_to_tenant(src, tenant_id)
        await scope_to_tenant(dst, tenant_id)
        tables = await reflect_tenant_tables(src)
        targets = {t.name: t for t in await reflect_tenant_tables(dst)}
        for table in tables:
            into = _matching_table(table, targets)
            copied[table.name] = await _copy_table(src, dst, table, into, tenant_id)
            columns = [into.c[c.name] for c in table.columns]
            landed = await digest_rows(dst, into, columns, tenant_id)
            if landed != copied[table.name]:
                raise CopyFailed(f"{table.name}: the copy differs from its source")
        if dst.dialect.name == "postgresql":
            await _advance_sequences(dst, [targets[name] for name in copied])
    return copied


def _matching_table(table: Table, targets: dict[str, Table]) -> Table:
    into = targets.get(table.name)
    if into is None:
        raise CopyFailed(f"table {table.name} is missing from the migrated dedicated database")
    missing = [c.name for c in table.columns if c.name not in into.c]
    if missing:
        raise CopyFailed(f"{table.name}: columns {missing} are missing from the dedicated database")
    return into


async def _copy_table(
    src: AsyncConnection, dst: AsyncConnection, table: Table, into: Table, tenant_id: uuid.UUID
) -> Digest:
    digest = Digest()
    query = select(table).where(of_tenant(table, tenant_id))
    self_refs = _self_references(table)
    if self_refs:
        # Rows referring to rows of the same table go in after the rows they refer to.
        rows = list((await src.execute(query)).mappings())
        for row in rows:
            digest.add(tuple(row.values()))
        ordered = _parents_first(rows, self_refs)
        for start in range(0, len(ordered), _BATCH):
            await dst.execute(insert(into), [dict(r) for r in ordered[start : start + _BATCH]])
        return digest
    result = await src.stream(query.execution_options(yield_per=_BATCH))
    async for partition in result.mappings().partitions(_BATCH):
        for row in partition:
            digest.add(tuple(row.values()))
        await dst.execute(insert(into), [dict(r) for r in partition])
    return digest


def _self_references(table: Table) -> list[tuple[str, str]]:
    """(column, referred column) pairs of foreign keys from `table` to itself."""
    return [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]


def _parents_first(rows: list[RowMapping], refs: list[tuple[str, str]]) -> list[RowMapping]:
    present = {(ref, r[ref]) for _, ref in refs for r in rows}
    done: set[tuple[str, Any]] = set()
    placed: list[RowMapping] = []
    remaining = rows
    while remaining:
        ready, waiting = [], []
        for r in remaining:
            parents = [(ref, r[col]) for col, ref in refs if r[col] is not None]
            if all(p in done or p not in present for p in parents):
                ready.append(r)
            else:
                waiting.append(r)
        if not ready:
            raise CopyFailed("rows of one table refer to each other in a cycle")
        for r in ready:
            done.update((ref, r[ref]) for _, ref in refs)
        placed.extend(ready)
        remaining = waiting
    return placed


async def _advance_sequences(conn: AsyncConnection, tables: list[Table]) -> None:
    """Copied rows kept their serial ids; move each sequence past them."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = await conn.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            )
            if sequence is None:
                continue
            highest = await conn.scalar(select(func.max(column)))
            await conn.execute(
                text("SELECT setval(:s, :v, false)"), {"s": sequence, "v": int(highest or 0) + 1}
            )
