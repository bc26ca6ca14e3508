"""Engines, the tenant database manager, and the unit of work.

The request owns the unit of work: a session dependency commits when the
handler returned and rolls back when it raised. Services and repositories take
the session and never commit.

Two kinds of database (ARCHITECTURE §3): the core database (tenants and
platform identities) and tenant databases. Every tenant lives in the shared
tenant database unless it was moved to a dedicated one (option A); the tenant
row in the core database names that database by a key, never by a URL with
credentials, and `TenantDatabases` turns the key into a bounded, cached engine.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Uuid, bindparam, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from studyspot.kit.errors import AppError, NotFound
from studyspot.kit.settings import Settings, to_async_url

SHARED = ""  # database key of the shared tenant database
_DB_KEY = re.compile(r"^[a-z0-9_]{1,48}$")
RLS_ROLE = "studyspot_rls"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    if is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        # No pre-ping: it costs a round trip per checkout; recycling bounds staleness.
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": "studyspot"}},
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    # SQLite allows one writer. Taking the write lock at BEGIN (IMMEDIATE) turns
    # racing writers into a queue behind busy_timeout instead of late
    # "database is locked" failures, which is what makes check-then-insert safe.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # The same pool, for one-statement reads that need no transaction of their own.
    reader: AsyncEngine

    @classmethod
    def create(cls, url: str, *, pool_size: int = 10, max_overflow: int = 10) -> Database:
        engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        # On PostgreSQL a plain connection wraps every statement in BEGIN … ROLLBACK: two
        # extra round trips on the identity check that every request makes. SQLite keeps its
        # IMMEDIATE transactions (they are what orders its writers).
        reader = (
            engine if is_sqlite(url) else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        return cls(url, engine, async_sessionmaker(engine, expire_on_commit=False), reader)

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.url)

    async def ping(self) -> float:
        """Round trip in milliseconds; raises when the database is unreachable."""
        started = time.perf_counter()
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return (time.perf_counter() - started) * 1000

    async def dispose(self) -> None:
        await self.engine.dispose()


def dedicated_url(settings: Settings, key: str) -> str:
    """URL of a dedicated tenant database from its key (option A)."""
    if not _DB_KEY.fullmatch(key):
        raise ValueError("invalid database key")
    # The admin URL may be written plan-style (postgres://); engines need the async driver.
    base = to_async_url(settings.dedicated_db_admin_url or settings.tenant_db_url)
    if is_sqlite(base):
        return f"sqlite+aiosqlite:///{settings.data_dir / 'tenants' / (key + '.db')}"
    return make_url(base).set(database=key).render_as_string(hide_password=False)


class TenantDatabases:
    """The shared tenant database plus a bounded LRU of dedicated ones."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.shared = Database.create(
            settings.tenant_db_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        self._dedicated: OrderedDict[str, Database] = OrderedDict()
        self._lock = asyncio.Lock()

    async def get(self, key: str | None) -> Database:
        if not key:
            return self.shared
        db = self._dedicated.get(key)
        if db is not None:
            self._dedicated.move_to_end(key)
            return db
        async with self._lock:
            db = self._dedicated.get(key)
            if db is None:
                db = Database.create(
                    dedicated_url(self.settings, key),
                    pool_size=self.settings.tenant_pool_size,
                    max_overflow=0,
                )
                self._dedicated[key] = db
                while len(self._dedicated) > self.settings.tenant_engine_cache:
                    _, old = self._dedicated.popitem(last=False)
                    await old.dispose()
            return db

    async def for_tenant(self, core: Database, tenant_id: uuid.UUID) -> Database:
        """The database of `tenant_id` when no principal says it (internal calls, jobs).

        Reads the tenant row like the identity check does; a tenant being moved
        answers 503 so that nothing is written to the database it is leaving.
        """
        async with core.reader.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT status, database_key FROM tenants WHERE id = :tid").bindparams(
                        bindparam("tid", type_=Uuid())
                    ),
                    {"tid": tenant_id},
                )
            ).first()
        if row is None:
            raise NotFound("No such tenant", code="tenant_not_found")
        if row[0] == "migrating":
            raise AppError(
                "This tenant is being moved to its own database; try again shortly",
                status=503,
                code="tenant_migrating",
                headers={"Retry-After": "5"},
            )
        return await self.get(row[1])

    def open_keys(self) -> list[str]:
        return list(self._dedicated)

    async def dispose(self) -> None:
        await self.shared.dispose()
        for db in self._dedicated.values():
            await db.dispose()
        self._dedicated.clear()


@asynccontextmanager
async def unit_of_work(
    db: Database, *, tenant_id: uuid.UUID | None = None
) -> AsyncIterator[AsyncSession]:
    """A transaction that commits on success and rolls back on error.

    On PostgreSQL a tenant unit of work also switches to the row-level-security
    role with `app.tenant_id` set, so a query that forgot its tenant filter
    still sees only this tenant's rows.
    """
    async with db.sessionmaker() as session:
        if tenant_id is not None and not db.sqlite:
            _scope_each_transaction(session, tenant_id)
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def _scope_each_transaction(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Switch to the RLS role with `app.tenant_id` at the start of every transaction.

    Lazily, when the session first needs a connection: a unit of work that has
    not run a statement yet holds no pooled connection, so a request can still
    open a short transaction of its own first (an idempotency claim) without
    two connections per request exhausting the pool. And again after a
    rollback inside the unit of work, whose new transaction would otherwise run
    without the tenant scope.
    """
    params = {"tid": str(tenant_id), "role": RLS_ROLE}

    def _after_begin(_session: Any, _transaction: Any, connection: Any) -> None:
        connection.execute(
            text("SELECT set_config('app.tenant_id', :tid, true), set_config('role', :role, true)"),
            params,
        )

    event.listen(session.sync_session, "after_begin", _after_begin)
