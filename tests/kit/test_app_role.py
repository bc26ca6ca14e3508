"""PostgreSQL: tenant units of work log in as a role that owns nothing.

Before, they logged in as the tables' owner and switched to the row-level-
security role with `SET LOCAL ROLE`; one `RESET ROLE` (an injected statement,
a helper that "cleans up" its connection) gave the owner back and every
tenant's rows with it. The kit tables (audit log, outbox, processed events)
had no policy at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import migrate
from studyspot.kit.audit import record
from studyspot.kit.db import Database, TenantDatabases, unit_of_work
from studyspot.kit.models import outbox_events, processed_events, tenant_audit_logs, utcnow
from studyspot.kit.outbox import publish
from tests.fixtures.databases import DbSet


@pytest.fixture
async def tenants(clean_dbs: DbSet) -> Iterator[TenantDatabases]:  # type: ignore[misc]
    if clean_dbs.backend != "postgres":
        pytest.skip("roles and row-level security are PostgreSQL features")
    databases = TenantDatabases(clean_dbs.settings())
    yield databases
    await databases.dispose()


async def _scalar(session: AsyncSession, sql: str) -> Any:
    return await session.scalar(sa.text(sql))


@pytest.mark.parametrize(
    "table", ["students", "payments", "payment_order_routes", "outbox_events", "audit_logs"]
)
async def test_reset_role_inside_a_tenant_session_raises(
    tenants: TenantDatabases, table: str
) -> None:
    with pytest.raises(DBAPIError, match="permission denied"):
        async with unit_of_work(tenants.shared, tenant_id=uuid.uuid4()) as session:
            await session.execute(sa.text("RESET ROLE"))
            await session.execute(sa.text(f"SELECT count(*) FROM {table}"))


async def test_set_role_to_the_owner_inside_a_tenant_session_raises(
    tenants: TenantDatabases, clean_dbs: DbSet
) -> None:
    owner = sa.engine.make_url(clean_dbs.tenant_url).username
    with pytest.raises(DBAPIError, match="permission denied"):
        async with unit_of_work(tenants.shared, tenant_id=uuid.uuid4()) as session:
            await session.execute(sa.text(f'SET ROLE "{owner}"'))


async def test_tenant_sessions_log_in_as_a_role_that_owns_nothing_and_inherits_nothing(
    tenants: TenantDatabases, clean_dbs: DbSet
) -> None:
    async with unit_of_work(tenants.shared, tenant_id=uuid.uuid4()) as session:
        login = await _scalar(session, "SELECT session_user")
        acting = await _scalar(session, "SELECT current_user")
        attributes = (
            await session.execute(
                sa.text(
                    "SELECT rolsuper, rolbypassrls, rolinherit, rolcreaterole, rolcreatedb "
                    "FROM pg_roles WHERE rolname = session_user"
                )
            )
        ).one()
        owned = await _scalar(
            session,
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = session_user",
        )
    assert (
        login
        == clean_dbs.settings().database_app_user
        != sa.engine.make_url(clean_dbs.tenant_url).username
    )
    assert acting == "studyspot_rls"
    assert tuple(attributes) == (False, False, False, False, False)
    assert owned == 0


async def _seed_kit_rows(db: Database, tenant_ids: list[uuid.UUID]) -> None:
    async with db.engine.begin() as conn:  # the owner: no policy applies
        for tid in tenant_ids:
            await conn.execute(
                sa.insert(outbox_events).values(
                    id=uuid.uuid4(),
                    tenant_id=tid,
                    topic="booking.confirmed",
                    payload={"secret": str(tid)},
                    created_at=utcnow(),
                    attempts=0,
                )
            )
            await conn.execute(
                sa.insert(processed_events).values(
                    consumer="test", event_id=uuid.uuid4(), tenant_id=tid, processed_at=utcnow()
                )
            )
            await conn.execute(
                sa.insert(tenant_audit_logs).values(
                    id=uuid.uuid4(),
                    tenant_id=tid,
                    action="booking.confirmed",
                    resource_type="booking",
                    outcome="success",
                    details={},
                    created_at=utcnow(),
                )
            )


async def test_a_tenant_session_sees_only_its_own_audit_outbox_and_processed_rows(
    tenants: TenantDatabases,
) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    await _seed_kit_rows(tenants.shared, [mine, theirs])
    async with unit_of_work(tenants.shared, tenant_id=mine) as session:
        seen = {
            table.name: set(await session.scalars(sa.select(table.c.tenant_id)))
            for table in (outbox_events, processed_events, tenant_audit_logs)
        }
        # Writing as itself still works: the outbox and audit rows of its own changes.
        await publish(session, "booking.confirmed", {"x": 1}, tenant_id=mine)
        await record(session, "booking.confirmed", "booking", tenant_id=mine)
    assert seen == {name: {mine} for name in seen}


async def test_a_tenant_session_cannot_write_another_tenants_event_or_audit_entry(
    tenants: TenantDatabases,
) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(DBAPIError, match="row-level security"):
        async with unit_of_work(tenants.shared, tenant_id=mine) as session:
            await publish(session, "booking.confirmed", {"forged": True}, tenant_id=theirs)
    with pytest.raises(DBAPIError, match="row-level security"):
        async with unit_of_work(tenants.shared, tenant_id=mine) as session:
            await record(session, "payment.captured", "payment", tenant_id=theirs)


def test_migrate_refuses_an_app_role_that_could_lift_the_policies(dbs: DbSet) -> None:
    if dbs.backend != "postgres":
        pytest.skip("roles are a PostgreSQL feature")
    owner = sa.engine.make_url(dbs.tenant_url).username
    assert owner is not None
    with pytest.raises(ValueError, match="must differ"):
        migrate.ensure_app_role(dbs.tenant_url, owner)
