"""kit/driver_reads.py: reads on the driver answer what the session would, inside its
transaction and its tenant's row-level security."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from studyspot.kit.db import TenantDatabases, unit_of_work
from studyspot.kit.driver_reads import fetch_mappings, fetch_value
from studyspot.services.student.models import StudentCount
from tests.fixtures.databases import DbSet

_BY_TENANT = (
    sa.select(StudentCount.home_library_id, StudentCount.status, StudentCount.n)
    .where(StudentCount.tenant_id == sa.bindparam("tid", type_=sa.Uuid))
    .order_by(StudentCount.n)
)
# No tenant filter at all: only row-level security can keep other tenants out.
_EVERY_ROW = sa.select(StudentCount.tenant_id, StudentCount.n).order_by(StudentCount.n)
_TOTAL = sa.select(sa.func.coalesce(sa.func.sum(StudentCount.n), 0)).where(
    StudentCount.tenant_id == sa.bindparam("tid", type_=sa.Uuid)
)


@pytest.fixture
async def tenants(clean_dbs: DbSet) -> AsyncIterator[TenantDatabases]:
    databases = TenantDatabases(clean_dbs.settings())
    yield databases
    await databases.dispose()


async def _counts(dbs: TenantDatabases, tenant_id: uuid.UUID, *ns: int) -> None:
    async with unit_of_work(dbs.shared, tenant_id=tenant_id) as session:
        for n in ns:
            session.add(
                StudentCount(
                    tenant_id=tenant_id, home_library_id=uuid.uuid4(), status="active", n=n
                )
            )


async def test_rows_and_values_are_what_the_session_answers(tenants: TenantDatabases) -> None:
    mine, other = uuid.uuid4(), uuid.uuid4()
    await _counts(tenants, mine, 3, 5)
    await _counts(tenants, other, 7)
    async with unit_of_work(tenants.shared, tenant_id=mine, read_only=True) as session:
        expected = [dict(m) for m in (await session.execute(_BY_TENANT, {"tid": mine})).mappings()]
        rows = await fetch_mappings(session, _BY_TENANT, {"tid": mine})
        assert [dict(r) for r in rows] == expected
        assert [r["n"] for r in rows] == [3, 5]
        assert await fetch_value(session, _TOTAL, {"tid": mine}) == 8
        # The same statement object again, other values: compiled once, bound anew.
        assert await fetch_value(session, _TOTAL, {"tid": uuid.uuid4()}) == 0


async def test_row_level_security_holds_on_the_driver(
    tenants: TenantDatabases, clean_dbs: DbSet
) -> None:
    if clean_dbs.backend != "postgres":
        pytest.skip("row-level security is PostgreSQL's")
    mine, other = uuid.uuid4(), uuid.uuid4()
    await _counts(tenants, mine, 1)
    await _counts(tenants, other, 2)
    async with unit_of_work(tenants.shared, tenant_id=mine, read_only=True) as session:
        rows = await fetch_mappings(session, _EVERY_ROW, {})
    assert [(r["tenant_id"], r["n"]) for r in rows] == [(mine, 1)]


async def test_an_expanding_parameter_is_refused_on_postgres(
    tenants: TenantDatabases, clean_dbs: DbSet
) -> None:
    if clean_dbs.backend != "postgres":
        pytest.skip("SQLite runs the statement through the session")
    expanding = sa.select(StudentCount.n).where(
        StudentCount.status.in_(sa.bindparam("statuses", expanding=True))
    )
    async with unit_of_work(tenants.shared, tenant_id=uuid.uuid4(), read_only=True) as session:
        with pytest.raises(ValueError, match="expanding"):
            await fetch_mappings(session, expanding, {"statuses": ["active"]})
