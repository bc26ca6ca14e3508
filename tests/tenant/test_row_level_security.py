"""PostgreSQL row-level security: the second wall behind the repositories' tenant filter."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from studyspot.kit.db import unit_of_work
from tests.conftest import Apps
from tests.tenant.throwaway import Throwaway


@pytest.fixture
def throwaway(apps: Apps) -> Iterator[Throwaway]:
    if apps.dbs.backend != "postgres":
        pytest.skip("row-level security is a PostgreSQL feature")
    tables = Throwaway.named()
    tables.create(apps.dbs.tenant_url)
    yield tables
    tables.drop(apps.dbs.tenant_url)


async def test_query_without_tenant_filter_sees_only_its_own_tenants_rows(
    apps: Apps, throwaway: Throwaway
) -> None:
    rooms, _ = throwaway.tables()
    a, b = uuid.uuid4(), uuid.uuid4()
    shared = apps.app("tenant").state.kit.tenants.shared
    async with shared.engine.begin() as conn:  # the owner role: no policy applies
        await conn.execute(
            sa.insert(rooms),
            [
                {"id": uuid.uuid4(), "tenant_id": a, "name": "A hall"},
                {"id": uuid.uuid4(), "tenant_id": a, "name": "A annex"},
                {"id": uuid.uuid4(), "tenant_id": b, "name": "B hall"},
            ],
        )

    async with unit_of_work(shared, tenant_id=a) as session:
        names = set(await session.scalars(sa.select(rooms.c.name)))
        changed = await session.execute(sa.update(rooms).values(name="renamed"))
    assert names == {"A hall", "A annex"}
    assert changed.rowcount == 2  # type: ignore[attr-defined]  # B's row is invisible to UPDATE too

    async with shared.engine.connect() as conn:
        b_names = set(await conn.scalars(sa.select(rooms.c.name).where(rooms.c.tenant_id == b)))
    assert b_names == {"B hall"}


async def test_insert_of_another_tenants_row_is_refused(apps: Apps, throwaway: Throwaway) -> None:
    rooms, _ = throwaway.tables()
    a, b = uuid.uuid4(), uuid.uuid4()
    shared = apps.app("tenant").state.kit.tenants.shared
    with pytest.raises(DBAPIError, match="row-level security"):
        async with unit_of_work(shared, tenant_id=a) as session:
            await session.execute(
                sa.insert(rooms).values(id=uuid.uuid4(), tenant_id=b, name="smuggled")
            )
    async with shared.engine.connect() as conn:
        count = await conn.scalar(sa.select(sa.func.count()).select_from(rooms))
    assert count == 0
