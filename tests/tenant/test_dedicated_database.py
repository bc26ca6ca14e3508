"""Option A: a tenant moves to a database of its own, and nothing is lost or left behind."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import make_url

from studyspot.kit.db import Database, dedicated_url, unit_of_work
from studyspot.kit.errors import AppError
from studyspot.kit.models import core_audit_logs, tenant_audit_logs, utcnow
from studyspot.kit.settings import to_sync_url
from studyspot.kit.state import kit_state
from studyspot.services.tenant import copying, moving, tenant_tables
from studyspot.services.tenant.copying import Digest
from tests.conftest import Apps
from tests.fixtures import databases as dbfx
from tests.fixtures.users import LoggedIn, login
from tests.tenant.throwaway import Throwaway


@pytest.fixture
def throwaway(apps: Apps, monkeypatch: pytest.MonkeyPatch) -> Iterator[Throwaway]:
    """Tenant tables in the shared database (dropped again after the test), classified as moving."""
    tables = Throwaway.named()
    monkeypatch.setattr(
        tenant_tables, "MOVED_TABLES", tenant_tables.MOVED_TABLES | {tables.rooms, tables.notes}
    )
    tables.create(apps.dbs.tenant_url)
    yield tables
    tables.drop(apps.dbs.tenant_url)


@pytest.fixture
def migrations_know_throwaway(monkeypatch: pytest.MonkeyPatch, throwaway: Throwaway) -> None:
    """Dedicated databases get the throwaway tables too, as if a migration made them."""
    original = moving.migrate_database

    def migrate_with_throwaway(url: str) -> None:
        original(url)
        throwaway.create(url)

    monkeypatch.setattr(moving, "migrate_database", migrate_with_throwaway)


def _database_exists(apps: Apps, key: str) -> bool:
    """Whether the dedicated database `key` exists (PostgreSQL database or SQLite file)."""
    if apps.dbs.backend == "sqlite":
        return any((Path(apps.dbs.data_dir) / "tenants").glob(f"{key}.db*"))
    engine = create_engine(to_sync_url(dbfx.PG_ADMIN))
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": key}
            ).first()
    finally:
        engine.dispose()
    return found is not None


async def _failed_move_key(apps: Apps, tenant_id: uuid.UUID) -> str:
    """The database a failed move tried, from its audit entry."""
    async with kit_state(apps.app("tenant")).core.engine.connect() as conn:
        details = await conn.scalar(
            select(core_audit_logs.c.details).where(
                core_audit_logs.c.tenant_id == tenant_id,
                core_audit_logs.c.action == "tenant.dedicated_database_failed",
            )
        )
    assert details is not None
    key: str = details["database_key"]
    return key


async def _seed(
    apps: Apps, tables: Throwaway, tenant_id: uuid.UUID, rooms: int, replies: bool
) -> None:
    """Rooms, notes (some answering other notes) and a tenant-database audit entry."""
    room_t, note_t = tables.tables()
    shared = kit_state(apps.app("tenant")).tenants.shared
    async with shared.engine.begin() as conn:
        for r in range(rooms):
            room = uuid.uuid4()
            await conn.execute(
                insert(room_t).values(id=room, tenant_id=tenant_id, name=f"Room {r}")
            )
            first = uuid.uuid4()
            await conn.execute(
                insert(note_t).values(
                    id=first, tenant_id=tenant_id, room_id=room, body="AC too cold"
                )
            )
            if replies:
                await conn.execute(
                    insert(note_t).values(
                        id=uuid.uuid4(),
                        tenant_id=tenant_id,
                        room_id=room,
                        reply_to=first,
                        body="Fixed",
                    )
                )
        await conn.execute(
            insert(tenant_audit_logs).values(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                actor_type="library_owner",
                action="booking.confirmed",
                resource_type="booking",
                outcome="success",
                details={},
                created_at=utcnow(),
            )
        )


async def _counts(db: Database, tables: Throwaway, tenant_id: uuid.UUID) -> dict[str, int]:
    """Rows of `tenant_id` in each table, read as the owner role (no row-level security)."""
    room_t, note_t = tables.tables()
    counts = {}
    async with db.engine.connect() as conn:
        for name, table in (("rooms", room_t), ("notes", note_t), ("audit", tenant_audit_logs)):
            counts[name] = int(
                await conn.scalar(
                    select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
                )
                or 0
            )
    return counts


async def _move(
    api: httpx.AsyncClient, admin: LoggedIn, tenant_id: uuid.UUID | None
) -> httpx.Response:
    return await api.post(f"/api/v1/tenants/{tenant_id}/dedicated-database", headers=admin.headers)


def _forget_after_test(apps: Apps, key: str) -> None:
    if apps.dbs.backend == "postgres":
        apps.dbs.extra_pg.append(dedicated_url(apps.dbs.settings(), key))


@pytest.mark.usefixtures("migrations_know_throwaway")
async def test_moved_tenants_rows_live_only_in_its_own_database_and_its_owner_still_logs_in(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    throwaway: Throwaway,
    admin: LoggedIn,
    owner: LoggedIn,
    other_owner: LoggedIn,
) -> None:
    assert owner.tenant_id and other_owner.tenant_id
    await _seed(apps, throwaway, owner.tenant_id, rooms=3, replies=True)
    await _seed(apps, throwaway, other_owner.tenant_id, rooms=2, replies=False)
    state = kit_state(apps.app("tenant"))
    shared = state.tenants.shared

    resp = await _move(tenant_api, admin, owner.tenant_id)
    assert resp.status_code == 200, resp.text
    key = resp.json()["database_key"]
    _forget_after_test(apps, key)
    assert re.fullmatch(r"tenant_[0-9a-f]{32}", key)
    assert resp.json()["status"] == "active"

    # The tenant's rows are only in its own database; the other tenant's are untouched.
    dedicated = await state.tenants.get(key)
    assert await _counts(shared, throwaway, owner.tenant_id) == {"rooms": 0, "notes": 0, "audit": 0}
    assert await _counts(dedicated, throwaway, owner.tenant_id) == {
        "rooms": 3,
        "notes": 6,
        "audit": 1,
    }
    assert await _counts(shared, throwaway, other_owner.tenant_id) == {
        "rooms": 2,
        "notes": 2,
        "audit": 1,
    }
    assert await _counts(dedicated, throwaway, other_owner.tenant_id) == {
        "rooms": 0,
        "notes": 0,
        "audit": 0,
    }

    # A unit of work of that tenant, found the way services find it, reads them there.
    assert await state.tenants.for_tenant(state.core, owner.tenant_id) is dedicated
    assert await state.tenants.for_tenant(state.core, other_owner.tenant_id) is shared
    _, note_t = throwaway.tables()
    async with unit_of_work(dedicated, tenant_id=owner.tenant_id) as session:
        replies = await session.scalars(select(note_t.c.body).where(note_t.c.reply_to.is_not(None)))
        assert list(replies) == ["Fixed"] * 3

    # Its owner logs in again and is served from the new database.
    again = await login(apps, email=owner.email, password=owner.password)
    me = await tenant_api.get("/api/v1/tenants/me", headers=again.headers)
    assert me.status_code == 200
    log = await tenant_api.get(
        f"/api/v1/tenants/{owner.tenant_id}/audit-logs", headers=again.headers
    )
    actions = {(e["source"], e["action"]) for e in log.json()["items"]}
    assert ("tenant", "booking.confirmed") in actions
    assert ("platform", "tenant.dedicated_database_created") in actions

    twice = await _move(tenant_api, admin, owner.tenant_id)
    assert (twice.status_code, twice.json()["code"]) == (409, "already_dedicated")


async def test_failed_move_leaves_the_tenant_whole_in_the_shared_database(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    throwaway: Throwaway,
    admin: LoggedIn,
    owner: LoggedIn,
) -> None:
    # The throwaway tables are not in the migrations, so the new database lacks them.
    assert owner.tenant_id
    await _seed(apps, throwaway, owner.tenant_id, rooms=2, replies=True)
    shared = kit_state(apps.app("tenant")).tenants.shared

    resp = await _move(tenant_api, admin, owner.tenant_id)
    assert resp.status_code == 500
    assert resp.json()["code"] == "dedicated_database_failed"
    assert "tt_" not in resp.text  # nothing internal leaks

    assert await _counts(shared, throwaway, owner.tenant_id) == {"rooms": 2, "notes": 4, "audit": 1}
    assert not _database_exists(apps, await _failed_move_key(apps, owner.tenant_id))
    tenant = (
        await tenant_api.get(f"/api/v1/tenants/{owner.tenant_id}", headers=admin.headers)
    ).json()
    assert (tenant["status"], tenant["database_key"]) == ("active", None)
    assert (await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)).status_code == 200
    async with kit_state(apps.app("tenant")).core.engine.connect() as conn:
        outcomes = list(
            await conn.execute(
                select(
                    core_audit_logs.c.action, core_audit_logs.c.outcome, core_audit_logs.c.actor_id
                ).where(
                    core_audit_logs.c.tenant_id == owner.tenant_id,
                    core_audit_logs.c.action.like("tenant.dedicated%"),
                )
            )
        )
    assert outcomes == [("tenant.dedicated_database_failed", "failure", admin.user_id)]


def _wrap_copy(
    monkeypatch: pytest.MonkeyPatch,
    before: Callable[[], Awaitable[None]] | None = None,
    after: Callable[[], Awaitable[None]] | None = None,
) -> list[str]:
    """Run `before`/`after` around the copy; returns the keys of the databases copied into."""
    original = copying.copy_tenant
    targets: list[str] = []

    async def wrapped(
        source: Database, target: Database, tenant_id: uuid.UUID
    ) -> dict[str, Digest]:
        targets.append(Path(str(make_url(target.url).database)).stem)
        if before:
            await before()
        copied = await original(source, target, tenant_id)
        if after:
            await after()
        return copied

    monkeypatch.setattr(copying, "copy_tenant", wrapped)
    return targets


@pytest.mark.usefixtures("migrations_know_throwaway")
async def test_tenant_being_moved_is_told_to_retry_and_others_are_served(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    admin: LoggedIn,
    owner: LoggedIn,
    other_owner: LoggedIn,
) -> None:
    seen: dict[str, httpx.Response] = {}
    refused: list[AppError] = []
    state = kit_state(apps.app("tenant"))

    async def during() -> None:
        assert owner.tenant_id
        try:  # a service acting for the tenant without a user token is held off too
            await state.tenants.for_tenant(state.core, owner.tenant_id)
        except AppError as exc:
            refused.append(exc)
        seen["mover"] = await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)
        seen["other"] = await tenant_api.get("/api/v1/tenants/me", headers=other_owner.headers)
        seen["again"] = await _move(tenant_api, admin, owner.tenant_id)

    _wrap_copy(monkeypatch, before=during)
    resp = await _move(tenant_api, admin, owner.tenant_id)
    assert resp.status_code == 200, resp.text
    _forget_after_test(apps, resp.json()["database_key"])
    assert seen["mover"].status_code == 503
    assert seen["mover"].json()["code"] == "tenant_migrating"
    assert seen["mover"].headers["retry-after"]
    assert seen["other"].status_code == 200
    assert [(e.status, e.code) for e in refused] == [(503, "tenant_migrating")]
    assert (seen["again"].status_code, seen["again"].json()["code"]) == (409, "tenant_migrating")
    assert (await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)).status_code == 200


@pytest.mark.usefixtures("migrations_know_throwaway")
@pytest.mark.parametrize("late_write", ["insert", "update"])
async def test_a_row_written_during_the_copy_aborts_the_move_and_nothing_is_lost(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    throwaway: Throwaway,
    admin: LoggedIn,
    owner: LoggedIn,
    late_write: str,
) -> None:
    tenant_id = owner.tenant_id
    assert tenant_id
    await _seed(apps, throwaway, tenant_id, rooms=1, replies=False)
    rooms, _ = throwaway.tables()
    shared = kit_state(apps.app("tenant")).tenants.shared

    existed: list[bool] = []

    # e.g. a request admitted just before the tenant was marked migrating
    async def late_writer() -> None:
        existed.append(_database_exists(apps, targets[0]))
        if late_write == "insert":
            await _seed(apps, throwaway, tenant_id, rooms=1, replies=False)
        else:
            async with shared.engine.begin() as conn:
                await conn.execute(sa.update(rooms).values(name="Renamed late"))

    targets = _wrap_copy(monkeypatch, after=late_writer)
    resp = await _move(tenant_api, admin, owner.tenant_id)
    assert resp.status_code == 500
    assert targets == [await _failed_move_key(apps, tenant_id)]
    assert existed == [True]  # it was made, copied into, and then dropped again
    expected = (
        {"rooms": 2, "notes": 2, "audit": 2}
        if late_write == "insert"
        else {"rooms": 1, "notes": 1, "audit": 1}
    )
    assert await _counts(shared, throwaway, tenant_id) == expected
    if late_write == "update":
        async with shared.engine.connect() as conn:
            assert await conn.scalar(select(rooms.c.name)) == "Renamed late"
    assert not _database_exists(apps, await _failed_move_key(apps, tenant_id))
    tenant = (
        await tenant_api.get(f"/api/v1/tenants/{owner.tenant_id}", headers=admin.headers)
    ).json()
    assert (tenant["status"], tenant["database_key"]) == ("active", None)


@pytest.mark.usefixtures("migrations_know_throwaway")
async def test_suspended_tenant_moves_and_stays_suspended(
    apps: Apps, tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    path = f"/api/v1/tenants/{owner.tenant_id}"
    await tenant_api.post(f"{path}/suspend", json={"reason": "audit"}, headers=admin.headers)
    resp = await _move(tenant_api, admin, owner.tenant_id)
    assert resp.status_code == 200, resp.text
    _forget_after_test(apps, resp.json()["database_key"])
    assert resp.json()["status"] == "suspended"
    assert (await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)).status_code == 401


@pytest.mark.usefixtures("migrations_know_throwaway")
async def test_two_moves_at_once_make_one_database(
    apps: Apps, tenant_api: httpx.AsyncClient, admin: LoggedIn, owner: LoggedIn
) -> None:
    answers = await asyncio.gather(*(_move(tenant_api, admin, owner.tenant_id) for _ in range(2)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409], [a.text for a in answers]
    [won] = [a for a in answers if a.status_code == 200]
    _forget_after_test(apps, won.json()["database_key"])
    [lost] = [a for a in answers if a.status_code == 409]
    assert lost.json()["code"] in {"tenant_migrating", "already_dedicated"}


async def test_only_platform_admins_move_tenants(
    tenant_api: httpx.AsyncClient, staff: LoggedIn, owner: LoggedIn
) -> None:
    for who in (staff, owner):
        resp = await _move(tenant_api, who, owner.tenant_id)
        assert resp.status_code == 403
