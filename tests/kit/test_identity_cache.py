"""The per-request identity check is cached only while its changes are heard
(kit/identity_changes.py): a deactivation or a suspension is refused at once, and a
process that cannot hear them never answers from its cache."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from studyspot.kit import auth as kit_auth
from studyspot.kit.errors import AppError
from studyspot.services.auth.app import create_app
from tests.conftest import Apps
from tests.fixtures.databases import DbSet
from tests.fixtures.users import LoggedIn, register_owner
from tests.fixtures.waiting import eventually

ME = "/api/users/me"


@pytest.fixture
async def caching_auth(clean_dbs: DbSet) -> AsyncIterator[FastAPI]:
    if clean_dbs.backend != "postgres":
        pytest.skip("PostgreSQL only: on SQLite the identity check is never cached")
    app = create_app(clean_dbs.settings(identity_cache_seconds=30))
    state = app.state.kit
    state.identity_changes.start(clean_dbs.core_url)
    await _until(lambda: state.identity_changes.listening)
    yield app
    await state.identity_changes.stop()
    await state.tenants.dispose()
    await state.core.dispose()


async def _until(condition: Callable[[], object]) -> None:
    async def check() -> object:
        return condition()

    await eventually(check)


async def _me(app: FastAPI, who: LoggedIn) -> tuple[int, str | None]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://auth.test") as client:
        resp = await client.get(ME, headers=who.headers)
    return resp.status_code, None if resp.status_code == 200 else resp.json().get("code")


async def _core_sql(dbs: DbSet, sql: str, *, quietly: bool = False) -> None:
    """A change made behind every service's back; `quietly` keeps the triggers from
    firing (as a replica would), so only a cache can explain an answer that ignores it."""
    engine = create_async_engine(dbs.core_url)
    try:
        async with engine.begin() as conn:
            if quietly:
                await conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            await conn.exec_driver_sql(sql)
    finally:
        await engine.dispose()


def _owner_sql(owner: LoggedIn, assignment: str) -> str:
    return f"UPDATE library_owners SET {assignment} WHERE id = '{uuid.UUID(str(owner.user_id))}'"


async def test_a_deactivated_owner_is_refused_at_the_next_request_although_cached(
    apps: Apps, caching_auth: FastAPI, clean_dbs: DbSet
) -> None:
    owner = await register_owner(apps)
    assert await _me(caching_auth, owner) == (200, None)
    # Proof that the answer is cached: a change nobody is told of goes unseen.
    await _core_sql(clean_dbs, _owner_sql(owner, "is_active = false"), quietly=True)
    assert await _me(caching_auth, owner) == (200, None)

    # The same change, told: refused at once.
    await _core_sql(clean_dbs, _owner_sql(owner, "is_active = true"), quietly=True)
    await _core_sql(clean_dbs, _owner_sql(owner, "is_active = false"))
    await _until(lambda: not any(k[1] == owner.user_id for k in kit_auth._cache))
    assert await _me(caching_auth, owner) == (401, "account_inactive")
    # A refusal is not kept: made active again, the owner works at once.
    await _core_sql(clean_dbs, _owner_sql(owner, "is_active = true"), quietly=True)
    assert await _me(caching_auth, owner) == (200, None)


async def test_a_suspended_tenant_is_refused_for_every_cached_user_of_it(
    apps: Apps, caching_auth: FastAPI, clean_dbs: DbSet
) -> None:
    owner = await register_owner(apps)
    assert await _me(caching_auth, owner) == (200, None)
    await _core_sql(
        clean_dbs, f"UPDATE tenants SET status = 'suspended' WHERE id = '{owner.tenant_id}'"
    )
    await _until(lambda: not kit_auth._cache)
    assert await _me(caching_auth, owner) == (401, "tenant_suspended")


async def test_nothing_is_answered_from_the_cache_while_changes_cannot_be_heard(
    apps: Apps, caching_auth: FastAPI, clean_dbs: DbSet
) -> None:
    owner = await register_owner(apps)
    assert await _me(caching_auth, owner) == (200, None)
    await caching_auth.state.kit.identity_changes.stop()
    # Unheard, as when the listening connection is down.
    await _core_sql(clean_dbs, _owner_sql(owner, "is_active = false"), quietly=True)
    assert await _me(caching_auth, owner) == (401, "account_inactive")


async def test_a_read_overtaken_by_a_change_is_not_kept(
    apps: Apps, caching_auth: FastAPI, clean_dbs: DbSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await register_owner(apps)
    read = kit_auth._read_identity_now

    async def read_then_hear_a_change(*args: object) -> kit_auth.IdentityStatus:
        found = await read(*args)  # type: ignore[arg-type]
        # The notification of a change committed after this read, heard before storing.
        caching_auth.state.kit.identity_changes.changed(f"u:{owner.user_id}")
        return found

    monkeypatch.setattr(kit_auth, "_read_identity_now", read_then_hear_a_change)
    assert await _me(caching_auth, owner) == (200, None)
    assert not any(k[1] == owner.user_id for k in kit_auth._cache)


async def test_the_listener_comes_back_after_its_connection_is_killed(
    apps: Apps, caching_auth: FastAPI, clean_dbs: DbSet
) -> None:
    changes = caching_auth.state.kit.identity_changes
    await _core_sql(
        clean_dbs,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE query LIKE 'LISTEN%' AND datname = current_database() "
        "AND pid <> pg_backend_pid()",
    )
    await _until(lambda: not changes.listening)
    await _until(lambda: changes.listening)
    owner = await register_owner(apps)
    assert await _me(caching_auth, owner) == (200, None)
    await _core_sql(clean_dbs, _owner_sql(owner, "is_active = false"))
    await _until(lambda: not any(k[1] == owner.user_id for k in kit_auth._cache))
    assert await _me(caching_auth, owner) == (401, "account_inactive")


async def test_an_internal_calls_tenant_route_is_kept_only_while_changes_are_heard(
    apps: Apps, caching_auth: FastAPI, clean_dbs: DbSet
) -> None:
    """Service-to-service calls find the tenant's database without asking the core
    database each time, and a tenant set moving is refused at the next call."""
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    tenant_id = uuid.UUID(str(owner.tenant_id))
    state = caching_auth.state.kit
    found = await state.tenants.for_tenant(state.core, tenant_id)
    # Kept: a change nobody is told of goes unseen.
    moving = f"UPDATE tenants SET status = 'migrating' WHERE id = '{tenant_id}'"
    await _core_sql(clean_dbs, moving, quietly=True)
    assert await state.tenants.for_tenant(state.core, tenant_id) is found
    # Told: refused at once.
    await _core_sql(clean_dbs, f"UPDATE tenants SET status = 'active' WHERE id = '{tenant_id}'")
    await _until(lambda: not state.tenants._routes)
    await _core_sql(clean_dbs, moving)
    with pytest.raises(AppError) as refused:
        await state.tenants.for_tenant(state.core, tenant_id)
    assert refused.value.status == 503
    # Unheard (the listener down): read every time.
    await _core_sql(clean_dbs, f"UPDATE tenants SET status = 'active' WHERE id = '{tenant_id}'")
    await state.identity_changes.stop()
    await state.tenants.for_tenant(state.core, tenant_id)
    await _core_sql(clean_dbs, moving, quietly=True)
    with pytest.raises(AppError):
        await state.tenants.for_tenant(state.core, tenant_id)
