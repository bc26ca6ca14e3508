"""Repository bases: named queries, locks and tenant scoping, built once.

`TenantRepository` adds `tenant_id = :tenant` to every query it builds, so a
service cannot forget the filter; PostgreSQL row-level security is the second
wall behind it (see `kit.db.unit_of_work`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.models import TenantMixin

M = TypeVar("M")
TM = TypeVar("TM", bound=TenantMixin)


async def insert_ignored(session: AsyncSession, table: Table, values: dict[str, Any]) -> bool:
    """INSERT unless a row with the same unique key exists; True when this call inserted.
    A second delivery or a racing twin loses quietly instead of failing its transaction."""
    maker = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    result = await session.execute(maker(table).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)  # type: ignore[attr-defined]


# Rows per statement of `insert_ignored_many`: 20 columns x 500 rows stays far below
# SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
INSERT_CHUNK = 500


async def insert_ignored_many(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    returning: Sequence[ColumnElement[Any]],
) -> list[tuple[Any, ...]]:
    """`insert_ignored` for many rows in a few statements: the `returning` columns of the
    rows this call inserted; the others already existed (or a racing twin won them)."""
    maker = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    inserted: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        statement = maker(table).values(list(chunk)).on_conflict_do_nothing()
        result = await session.execute(statement.returning(*returning))
        inserted.extend(tuple(row) for row in result)
    return inserted


class Repository(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def select(self) -> Select[M]:
        return select(self.model)

    async def get(self, id_: uuid.UUID, *, for_update: bool = False) -> M | None:
        query = self.select().where(self.model.id == id_)  # type: ignore[attr-defined]
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def add(self, obj: M) -> M:
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def first(self, query: Select[M]) -> M | None:
        return (await self.session.scalars(query.limit(1))).first()

    async def all(self, query: Select[M]) -> list[M]:
        return list(await self.session.scalars(query))


class TenantRepository(Repository[TM]):
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        super().__init__(session)
        self.tenant_id = tenant_id

    def select(self) -> Select[TM]:
        return select(self.model).where(self.model.tenant_id == self.tenant_id)

    async def add(self, obj: TM) -> TM:
        obj.tenant_id = self.tenant_id
        return await super().add(obj)

    def scoped(self, query: Select[Any]) -> Select[Any]:
        return query.where(self.model.tenant_id == self.tenant_id)
