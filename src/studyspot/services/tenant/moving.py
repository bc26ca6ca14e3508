"""Option A: move one tenant from the shared tenant database to a dedicated one.

Steps, and why in this order:
1. mark the tenant `migrating` (core): from then on the kit's identity check
   answers its users 503, so nothing of this tenant is written meanwhile;
2. create and migrate the dedicated database (PostgreSQL database or SQLite
   file named by a fresh key);
3. copy the tenant's rows of every tenant table, parents first, check that
   the new database holds exactly them (row digests) and commit there;
4. in one transaction of the shared database (tables locked against writers
   on PostgreSQL; SQLite has one writer anyway) check that the rows did not
   change since the copy (a request admitted just before step 1 may still
   have written), delete them children first, and — before committing that —
   point the tenant at its new database and restore its status in the core
   database. The core commit is the switch; the shared commit follows it.

Anything failing before the switch is undone: the shared transaction rolls
back, the dedicated database is dropped and the status restored, so the data
is never in two places and never lost.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import structlog
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url

from studyspot.kit import audit, migrate
from studyspot.kit.db import Database, dedicated_url, unit_of_work
from studyspot.kit.scope import Actor
from studyspot.kit.settings import to_sync_url
from studyspot.kit.state import KitState
from studyspot.services.tenant import copying, errors
from studyspot.services.tenant.actors import record
from studyspot.services.tenant.copying import Digest, digest_tenant
from studyspot.services.tenant.models import Tenant, new_database_key
from studyspot.services.tenant.repository import TenantsRepository
from studyspot.services.tenant.tenant_tables import (
    of_tenant,
    reflect_tenant_tables,
    scope_to_tenant,
)

log = structlog.get_logger("studyspot.tenant.moving")

MOVABLE_STATUSES = ("active", "suspended")
# Waiting this long for writers of other tenants is better than failing the move at once,
# and short enough that those writers are not held up for long.
_LOCK_TIMEOUT = "10s"


class MoveAborted(Exception):
    """The move cannot go on; everything it did is undone."""


# Moves in progress, held so that the event loop cannot drop a shielded one.
_running: set[asyncio.Task[Tenant]] = set()


def migrate_database(url: str) -> None:
    """Create the dedicated database and bring it to the current schema (blocking)."""
    migrate.upgrade("tenant", url)


def drop_database(url: str) -> None:
    """Remove a dedicated database again (blocking); a missing one is fine."""
    sync = make_url(to_sync_url(url))
    if sync.drivername.startswith("sqlite"):
        if sync.database:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(sync.database + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(sync.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{sync.database}" WITH (FORCE)')
    finally:
        admin.dispose()


async def move_to_dedicated(state: KitState, tenant_id: uuid.UUID, actor: Actor) -> Tenant:
    previous = await _start(state, tenant_id)
    # Shielded: a client that hangs up must not cancel the move half-way.
    task = asyncio.create_task(_move(state, tenant_id, previous, actor))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return await asyncio.shield(task)


async def _start(state: KitState, tenant_id: uuid.UUID) -> str:
    """Mark the tenant `migrating`; return the status to restore afterwards."""
    async with unit_of_work(state.core) as session:
        repo = TenantsRepository(session)
        tenant = await repo.get(tenant_id, for_update=True)
        if tenant is None:
            raise errors.TenantNotFound()
        if tenant.database_key is not None:
            raise errors.already_dedicated()
        if tenant.status == "migrating":
            raise errors.tenant_migrating()
        if tenant.status not in MOVABLE_STATUSES:
            raise errors.tenant_closed()
        previous = tenant.status
        if not await repo.transition(tenant_id, from_statuses=(previous,), status="migrating"):
            raise errors.tenant_migrating()
        return previous


async def _move(state: KitState, tenant_id: uuid.UUID, previous: str, actor: Actor) -> Tenant:
    key = new_database_key()
    url = dedicated_url(state.settings, key)
    target: Database | None = None
    try:
        # No cached "active" of this tenant outlives the commit of `migrating`: the
        # status change notifies every service (kit/identity_changes.py).
        await asyncio.to_thread(migrate_database, url)
        target = Database.create(url, pool_size=1, max_overflow=0)
        copied = await copying.copy_tenant(state.tenants.shared, target, tenant_id)
        await target.dispose()
        target = None
        await _remove_from_shared(state, tenant_id, copied, key, previous, actor)
    except BaseException as exc:
        switched = await _points_at(state, tenant_id, key)
        if switched is None:
            # Whether the switch committed is unknown: keep both databases and leave the
            # tenant `migrating` (its users wait) until an operator has looked.
            log.error("tenant_move_outcome_unknown", tenant_id=str(tenant_id), database_key=key)
            raise errors.MoveFailed() from exc
        if not switched:
            await _undo(state, tenant_id, previous, key, target, actor, exc)
            raise errors.MoveFailed() from exc
        # The core commit went through although it reported an error: the tenant
        # lives in its new database, so only the shared copies have to go.
        await _delete_leftovers(state.tenants.shared, tenant_id)
    async with unit_of_work(state.core) as session:
        tenant = await TenantsRepository(session).get(tenant_id)
    if tenant is None:
        raise errors.TenantNotFound()
    rows = sum(d.rows for d in copied.values())
    log.info("tenant_moved", tenant_id=str(tenant_id), database_key=key, rows=rows)
    return tenant


async def _remove_from_shared(
    state: KitState,
    tenant_id: uuid.UUID,
    copied: dict[str, Digest],
    key: str,
    previous: str,
    actor: Actor,
) -> None:
    shared = state.tenants.shared
    # Lock order: the core database before a tenant database, as requests take them
    # (identity check, then the tenant session); the other order deadlocks SQLite.
    async with state.core.sessionmaker() as core, shared.engine.connect() as conn:
        repo = TenantsRepository(core)
        transaction = await conn.begin()
        try:
            tenant = await repo.get(tenant_id, for_update=True)
            if tenant is None or tenant.status != "migrating":
                raise MoveAborted("the tenant left the migrating status during the move")
            await scope_to_tenant(conn, tenant_id)
            tables = await reflect_tenant_tables(conn)
            if conn.dialect.name == "postgresql":
                await conn.execute(text(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'"))
                for table in tables:
                    # Readers go on; writers (of any tenant) wait until this commits,
                    # so no row of this tenant can change between the check and the delete.
                    await conn.execute(
                        text(f'LOCK TABLE "{table.name}" IN SHARE ROW EXCLUSIVE MODE')
                    )
            # Any insert, update or delete since the copy changes a digest.
            if await digest_tenant(conn, tables, tenant_id) != copied:
                raise MoveAborted("the tenant's rows changed while they were copied")
            for table in reversed(tables):
                result = await conn.execute(delete(table).where(of_tenant(table, tenant_id)))
                if result.rowcount != copied[table.name].rows:
                    raise MoveAborted(f"{table.name}: deleted {result.rowcount} rows")
            # The point of no return: from this commit on the tenant lives in `key`.
            await repo.transition(
                tenant_id, from_statuses=("migrating",), status=previous, database_key=key
            )
            await record(
                core,
                actor,
                "tenant.dedicated_database_created",
                tenant_id,
                details={"database_key": key, "rows": {n: d.rows for n, d in copied.items()}},
            )
            await core.commit()
        except BaseException:
            await transaction.rollback()
            await core.rollback()
            raise
        try:
            await transaction.commit()
        except Exception:
            # The tenant already reads from its own database; the shared copies
            # are unreachable leftovers. Try once more, and tell the operators.
            log.error("shared_rows_left_after_move", tenant_id=str(tenant_id), exc_info=True)
            await _delete_leftovers(shared, tenant_id)


async def _points_at(state: KitState, tenant_id: uuid.UUID, key: str) -> bool:
    try:
        async with unit_of_work(state.core) as session:
            tenant = await TenantsRepository(session).get_fresh(tenant_id)
    except Exception:
        log.error(
            "tenant_row_unreadable_after_failed_move", tenant_id=str(tenant_id), exc_info=True
        )
        # Unknown: keep the dedicated database rather than risk dropping live data.
        return True
    return tenant is not None and tenant.database_key == key


async def _delete_leftovers(shared: Database, tenant_id: uuid.UUID) -> None:
    try:
        async with shared.engine.begin() as conn:
            await scope_to_tenant(conn, tenant_id)
            for table in reversed(await reflect_tenant_tables(conn)):
                await conn.execute(delete(table).where(of_tenant(table, tenant_id)))
    except Exception:
        log.error("shared_rows_still_left_after_move", tenant_id=str(tenant_id), exc_info=True)


async def _undo(
    state: KitState,
    tenant_id: uuid.UUID,
    previous: str,
    key: str,
    target: Database | None,
    actor: Actor,
    cause: BaseException,
) -> None:
    """Drop the dedicated database and restore the status; each step tried on its own."""
    log.error("tenant_move_failed", tenant_id=str(tenant_id), database_key=key, exc_info=cause)
    try:
        if target is not None:
            await target.dispose()
        await asyncio.to_thread(drop_database, dedicated_url(state.settings, key))
    except Exception:
        log.error("dedicated_database_not_dropped", tenant_id=str(tenant_id), exc_info=True)
    try:
        async with unit_of_work(state.core) as session:
            await TenantsRepository(session).transition(
                tenant_id, from_statuses=("migrating",), status=previous
            )
        await audit.record_detached(
            state.core,
            "tenant.dedicated_database_failed",
            "tenant",
            tenant_id,
            tenant_id=tenant_id,
            outcome="failure",
            details={"database_key": key, "reason": type(cause).__name__},
            **actor.audit_kwargs(),
        )
    except Exception:
        log.error("tenant_status_not_restored", tenant_id=str(tenant_id), exc_info=True)
