"""kit/driver_reads.py: reads on the driver answer what the session would, inside its
transaction and its tenant's row-level security."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from studyspot.kit.db import TenantDatabases, transaction_open, unit_of_work
from studyspot.kit.driver_reads import fetch_mappings, fetch_value, reads
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


async def test_reads_count_as_the_units_open_transaction(tenants: TenantDatabases) -> None:
    """A call to another service inside `reads` would hold their transaction (and on
    PostgreSQL a pooled connection) for as long as the callee takes: the service client's
    check (`transaction_open`) sees it, and no longer after."""
    async with unit_of_work(tenants.shared, tenant_id=uuid.uuid4(), read_only=True) as session:
        assert not transaction_open()
        async with reads(session) as read:
            await read.value(_TOTAL, {"tid": uuid.uuid4()})
            assert transaction_open()
        # On PostgreSQL the reads ran apart and the unit has not begun; SQLite's ran in it.
        assert transaction_open() == session.in_transaction()


async def _left_in_a_transaction(dbs: TenantDatabases) -> int:
    """Connections of the tenant database left inside a transaction (none may go back to
    the pool like that: the next request would inherit the tenant's scope)."""
    async with dbs.shared.engine.connect() as conn:
        found = await conn.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%'"
            )
        )
    return int(found or 0)


async def test_reads_of_their_own_see_the_tenant_and_only_read(
    tenants: TenantDatabases, clean_dbs: DbSet
) -> None:
    mine, other = uuid.uuid4(), uuid.uuid4()
    await _counts(tenants, mine, 3, 5)
    await _counts(tenants, other, 7)
    async with unit_of_work(tenants.shared, tenant_id=mine, read_only=True) as session:
        async with reads(session) as read:
            rows = await read.fetch(_BY_TENANT, {"tid": mine})
            total = await read.value(_TOTAL, {"tid": mine})
            every = await read.fetch(_EVERY_ROW, {})
        # They did not begin the unit: its own statements still run, in its scope.
        after = await fetch_value(session, _TOTAL, {"tid": mine})
    assert [r["n"] for r in rows] == [3, 5]
    assert total == 8 == after
    if clean_dbs.backend == "postgres":
        # No tenant filter: row-level security alone keeps the other tenant out.
        assert [(r["tenant_id"], r["n"]) for r in every] == [(mine, 3), (mine, 5)]
        locking = sa.select(StudentCount.n).with_for_update()
        async with unit_of_work(tenants.shared, tenant_id=mine, read_only=True) as session:
            with pytest.raises(Exception, match="read-only transaction"):
                async with reads(session) as read:
                    await read.fetch(locking, {})
        assert await _left_in_a_transaction(tenants) == 0


async def test_reads_that_fail_or_are_cancelled_leave_no_transaction_behind(
    tenants: TenantDatabases, clean_dbs: DbSet
) -> None:
    if clean_dbs.backend != "postgres":
        pytest.skip("SQLite runs the reads in the unit of work's own transaction")
    mine = uuid.uuid4()
    failing = sa.select(sa.literal_column("1") / sa.literal_column("0"))
    async with unit_of_work(tenants.shared, tenant_id=mine, read_only=True) as session:
        with pytest.raises(Exception, match="division by zero"):
            async with reads(session) as read:
                await read.value(failing, {})

    slow = sa.select(sa.func.pg_sleep(5))
    started = asyncio.Event()

    async def read_slowly() -> None:
        async with (
            unit_of_work(tenants.shared, tenant_id=mine, read_only=True) as session,
            reads(session) as read,
        ):
            started.set()
            await read.value(slow, {})

    task = asyncio.create_task(read_slowly())
    await started.wait()
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _left_in_a_transaction(tenants) == 0
    # The pool still serves the tenant's reads, in its scope.
    await _counts(tenants, mine, 4)
    async with (
        unit_of_work(tenants.shared, tenant_id=mine, read_only=True) as session,
        reads(session) as read,
    ):
        assert await read.value(_TOTAL, {"tid": mine}) == 4
