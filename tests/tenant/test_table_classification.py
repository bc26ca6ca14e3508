"""Every table of a tenant database is named as moving with a tenant or staying shared.

Inferring it from a `tenant_id` column once moved `payment_order_routes` away
from the shared database, where webhooks look orders up; a new table now has
to be classified before any tenant can move.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine

from studyspot.kit.settings import to_sync_url
from studyspot.services.tenant import tenant_tables
from tests.conftest import Apps
from tests.fixtures.databases import DbSet
from tests.fixtures.users import LoggedIn


def test_every_table_of_a_migrated_tenant_database_is_classified(dbs: DbSet) -> None:
    engine = create_engine(to_sync_url(dbs.tenant_url))
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            names = set(inspector.get_table_names())
            with_tenant = {
                n for n in names if "tenant_id" in {c["name"] for c in inspector.get_columns(n)}
            }
    finally:
        engine.dispose()
    assert tenant_tables.unclassified(names) == []
    assert not tenant_tables.MOVED_TABLES & tenant_tables.SHARED_TABLES
    # A table that moves must be able to say which rows are the tenant's.
    assert tenant_tables.MOVED_TABLES - with_tenant == set()
    assert "payment_order_routes" in tenant_tables.SHARED_TABLES


@pytest.fixture
def unclassified_table(apps: Apps) -> Iterator[str]:
    name = f"tt_unnamed_{uuid.uuid4().hex[:8]}"
    engine = create_engine(to_sync_url(apps.dbs.tenant_url))
    table = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
    )
    try:
        with engine.begin() as conn:
            table.create(conn)
        yield name
        with engine.begin() as conn:
            table.drop(conn)
    finally:
        engine.dispose()


async def test_a_move_refuses_a_table_nobody_classified_and_changes_nothing(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    admin: LoggedIn,
    owner: LoggedIn,
    unclassified_table: str,
) -> None:
    moved = await tenant_api.post(
        f"/api/v1/tenants/{owner.tenant_id}/dedicated-database", headers=admin.headers
    )
    assert moved.status_code == 500
    assert moved.json()["code"] == "dedicated_database_failed"
    assert unclassified_table not in moved.text
    tenant = (
        await tenant_api.get(f"/api/v1/tenants/{owner.tenant_id}", headers=admin.headers)
    ).json()
    assert (tenant["status"], tenant["database_key"]) == ("active", None)
