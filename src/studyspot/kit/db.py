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
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from sqlalchemy import Uuid, bindparam, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from studyspot.kit.errors import AppError, NotFound
from studyspot.kit.settings import Settings, to_async_url

SHARED = ""  # database key of the shared tenant database
# How long a unit of work waits for a pooled connection, and a SQLite writer for the write
# lock (in its process's queue and then in SQLite's busy handler), before it fails: the
# default of settings.db_wait_seconds.
DB_WAIT_SECONDS = 30.0
# Reading connections per SQLite file and process (each is a thread of aiosqlite), kept
# open: SQLAlchemy's overflow would close one on every return under load, and a new one
# costs a thread, opening the file and its PRAGMAs.
SQLITE_READERS = 15
# A request with one of these methods only reads (HTTP safe methods): its unit of work is
# read-only, so a handler that wrote anyway fails in every test on SQLite, not under load.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DB_KEY = re.compile(r"^[a-z0-9_]{1,48}$")
RLS_ROLE = "studyspot_rls"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    read_only: bool = False,
    wait_seconds: float = DB_WAIT_SECONDS,
) -> AsyncEngine:
    """An engine with its own pool. On SQLite `read_only` makes the reading engine (below)."""
    if is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # SQLite has one write lock per file. Writer connections beyond one per process
        # only move the queue into SQLite's busy handler, which polls with growing sleeps
        # and serves no one in order: under 200 concurrent payments one writer waited
        # past the 30 s timeout ("database is locked") while others went through. One
        # writing connection per process queues this process's writers first come, first
        # served in the pool instead; readers have their own pool and never wait for it.
        # Readers: a pool that keeps what it opens (see below), as many as the default
        # pool and overflow together allowed.
        sizes: dict[str, Any] = (
            {"pool_size": SQLITE_READERS, "max_overflow": 0}
            if read_only
            else {"pool_size": 1, "max_overflow": 0}
        )
        engine = create_async_engine(
            url,
            connect_args={"timeout": wait_seconds},
            pool_timeout=wait_seconds,
            **sizes,
        )
        _configure_sqlite(engine, read_only=read_only, wait_seconds=wait_seconds)
        return engine
    # Every connection the pool opens stays in it: `max_overflow` adds to the size instead
    # of being SQLAlchemy's overflow, which closes a connection on its return whenever
    # `pool_size` are idle. Under a load above `pool_size` that churn cost a connect (a
    # forked PostgreSQL backend, a TLS probe, a login) for most checkouts: an internal
    # read took 4 ms of CPU instead of 1 (docs/performance.md, "Desk payments").
    return create_async_engine(
        url,
        pool_size=pool_size + max_overflow,
        max_overflow=0,
        pool_timeout=wait_seconds,
        # No pre-ping: it costs a round trip per checkout; recycling bounds staleness.
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": "studyspot"}},
    )


def _configure_sqlite(engine: AsyncEngine, *, read_only: bool, wait_seconds: float) -> None:
    # SQLite allows one writer. Taking the write lock at BEGIN (IMMEDIATE) turns
    # racing writers into a queue instead of late "database is locked" failures,
    # which is what makes check-then-insert safe.
    # A unit of work that only reads must not join that queue: in WAL mode a
    # DEFERRED transaction reads a snapshot without any lock, however many
    # writers wait. Measured with 200 concurrent desk payments (docs/architecture.md):
    # internal reads holding the lock for 3 ms waited up to 10 s behind the writers.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        if read_only:
            # A write in a reading unit fails at once, every time. A deferred transaction
            # would otherwise take the write lock late, and fail ("database is locked")
            # only when another writer holds it: SQLite does not wait for a lock that a
            # reader upgrades to.
            cur.execute("PRAGMA query_only=ON")
        cur.close()

    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # For one-statement reads that need no transaction of their own.
    reader: AsyncEngine
    # Units of work that only read (GET requests): never wait for SQLite's write lock.
    read_sessionmaker: async_sessionmaker[AsyncSession]
    # PostgreSQL tenant databases: units of work scoped to a tenant, on a pool that logs
    # in as the application role (kit.migrate.ensure_app_role), never as the owner.
    tenant_engine: AsyncEngine | None = None
    tenant_sessionmaker: async_sessionmaker[AsyncSession] | None = None

    @classmethod
    def create(
        cls,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        app_url: str | None = None,
        wait_seconds: float = DB_WAIT_SECONDS,
    ) -> Database:
        """`app_url`: where tenant-scoped units of work log in (PostgreSQL tenant databases)."""
        engine = make_engine(
            url, pool_size=pool_size, max_overflow=max_overflow, wait_seconds=wait_seconds
        )
        if not is_sqlite(url):
            # A plain connection wraps every statement in BEGIN … ROLLBACK: two extra round
            # trips on the identity check that every request makes.
            reader = engine.execution_options(isolation_level="AUTOCOMMIT")
            read_engine = engine
        elif make_url(url).database in (None, "", ":memory:"):
            # A second engine would open a second, empty in-memory database.
            reader = read_engine = engine
        else:
            # Its own pool of DEFERRED, query-only connections to the same file.
            reader = read_engine = make_engine(url, read_only=True, wait_seconds=wait_seconds)
        db = cls(
            url,
            engine,
            async_sessionmaker(engine, expire_on_commit=False),
            reader,
            async_sessionmaker(read_engine, expire_on_commit=False),
        )
        if app_url is not None and not is_sqlite(url):
            db.tenant_engine = make_engine(
                app_url, pool_size=pool_size, max_overflow=max_overflow, wait_seconds=wait_seconds
            )
            db.tenant_sessionmaker = async_sessionmaker(db.tenant_engine, expire_on_commit=False)
        return db

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.url)

    async def ping(self) -> float:
        """Round trip in milliseconds; raises when the database is unreachable."""
        started = time.perf_counter()
        # The reader: on SQLite a health check must not queue behind the writers.
        async with self.reader.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return (time.perf_counter() - started) * 1000

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.reader.sync_engine.pool is not self.engine.sync_engine.pool:
            await self.reader.dispose()
        if self.tenant_engine is not None:
            await self.tenant_engine.dispose()


def app_url(settings: Settings, url: str) -> str | None:
    """`url` logged in as the application role instead of the owner; None on SQLite."""
    if is_sqlite(url):
        return None
    return (
        make_url(url)
        .set(username=settings.database_app_user, password=settings.database_app_password or None)
        .render_as_string(hide_password=False)
    )


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
            app_url=app_url(settings, settings.tenant_db_url),
            wait_seconds=settings.db_wait_seconds,
        )
        self._dedicated: OrderedDict[str, Database] = OrderedDict()
        self._lock = asyncio.Lock()
        # Tenant -> (database key, when read), for tenants that were serving. Used only
        # while `routes_heard()` says this process hears every change of a tenant's status
        # or database (kit/identity_changes.py; kit/app.py wires both), as the identity
        # cache is: a move or suspension is then seen at the next call, not after a TTL.
        self._routes: LRUCache[uuid.UUID, tuple[str | None, float]] = LRUCache(maxsize=10_000)
        self._routes_generation = 0
        self.routes_heard: Callable[[], bool] = lambda: False

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
                url = dedicated_url(self.settings, key)
                db = Database.create(
                    url,
                    pool_size=self.settings.tenant_pool_size,
                    max_overflow=0,
                    app_url=app_url(self.settings, url),
                    wait_seconds=self.settings.db_wait_seconds,
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
        ttl = self.settings.identity_cache_seconds if self.routes_heard() else 0
        kept = self._routes.get(tenant_id)
        if ttl and kept is not None and time.monotonic() - kept[1] < ttl:
            return await self.get(kept[0])
        generation = self._routes_generation
        read_at = time.monotonic()
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
        # Not kept when a change was heard while reading: the row may predate it.
        if ttl and generation == self._routes_generation:
            self._routes[tenant_id] = (row[1], read_at)
        return await self.get(row[1])

    def forget_routes(self) -> None:
        """A tenant's status or database changed, or the notifications stopped or resumed."""
        self._routes_generation += 1
        self._routes.clear()

    def open_keys(self) -> list[str]:
        return list(self._dedicated)

    async def dispose(self) -> None:
        await self.shared.dispose()
        for db in self._dedicated.values():
            await db.dispose()
        self._dedicated.clear()


@asynccontextmanager
async def unit_of_work(
    db: Database, *, tenant_id: uuid.UUID | None = None, read_only: bool = False
) -> AsyncIterator[AsyncSession]:
    """A transaction that commits on success and rolls back on error.

    On PostgreSQL a tenant unit of work also switches to the row-level-security
    role with `app.tenant_id` set, so a query that forgot its tenant filter
    still sees only this tenant's rows. It logs in as the application role,
    which owns nothing and holds no privilege of its own: `RESET ROLE` leaves
    it unable to read or write any table.

    `read_only`: the unit only reads (the kit's request sessions pass it for GET
    and HEAD). On SQLite it then reads a snapshot without waiting for the write
    lock, and a write in it fails at once ("attempt to write a readonly database").
    """
    maker = db.read_sessionmaker if read_only else db.sessionmaker
    if tenant_id is not None and db.tenant_sessionmaker is not None:
        # Logged in as the application role: `RESET ROLE` cannot lift the policies.
        maker = db.tenant_sessionmaker
    async with maker() as session:
        if tenant_id is not None and not db.sqlite:
            session.sync_session.info[_TENANT_SCOPE] = {"tid": str(tenant_id), "role": RLS_ROLE}
        with tracked(session):
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise


async def end_reads(session: AsyncSession) -> None:
    """End the transaction of a unit of work that has only read so far, so that a call to
    another service may follow (kit.service_client refuses one made inside it); the unit
    goes on in a new transaction, under the same scope, at its next statement."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_reads: the unit of work has changes it has not written")
    await session.rollback()


class _Unit:
    __slots__ = ("closed", "elsewhere", "session")

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.closed = False
        # Transactions of this unit on connections of their own (kit.driver_reads).
        self.elsewhere = 0


# The units of work of the running task (a request, a job's round), whether or not they
# have begun their transaction yet. Closed ones are marked rather than unset: a request's
# session dependency may end in another context than the one it started in.
_units: ContextVar[tuple[_Unit, ...]] = ContextVar("units_of_work", default=())


@contextmanager
def tracked(session: AsyncSession) -> Iterator[None]:
    """Make `session` a unit of work that `transaction_open` sees while it lasts."""
    unit = _Unit(session)
    _units.set((*(u for u in _units.get() if not u.closed), unit))
    try:
        yield
    finally:
        unit.closed = True


def transaction_open() -> bool:
    """Whether a unit of work of this task has begun a transaction (ran a statement).

    Calls to other services are made before that (kit.service_client refuses one
    made after): on SQLite the first statement takes the file's single write lock,
    which the callee, writing the same file, would wait for; on PostgreSQL it holds
    a connection and row locks for as long as the other service takes.
    """
    return any(
        not u.closed and (u.elsewhere > 0 or u.session.in_transaction()) for u in _units.get()
    )


@contextmanager
def transaction_elsewhere(session: AsyncSession) -> Iterator[None]:
    """Count a transaction that `session`'s unit runs on a connection of its own as the
    unit's open transaction while it lasts (`transaction_open`)."""
    units = [u for u in _units.get() if u.session is session and not u.closed]
    for unit in units:
        unit.elsewhere += 1
    try:
        yield
    finally:
        for unit in units:
            unit.elsewhere -= 1


_TENANT_SCOPE = "studyspot.tenant_scope"


def tenant_scope(session: AsyncSession) -> dict[str, str] | None:
    """The row-level-security scope a tenant unit of work sets at the start of each of its
    transactions (`tid`, `role`); None for units without one (core, SQLite)."""
    scope: dict[str, str] | None = session.sync_session.info.get(_TENANT_SCOPE)
    return scope


_SCOPE_SQL = text("SELECT set_config('app.tenant_id', :tid, true), set_config('role', :role, true)")


@event.listens_for(Session, "after_begin")
def _scope_each_transaction(session: Session, _transaction: Any, connection: Any) -> None:
    """Switch to the RLS role with `app.tenant_id` at the start of every transaction of a
    tenant unit of work (PostgreSQL).

    Lazily, when the session first needs a connection: a unit of work that has
    not run a statement yet holds no pooled connection, so a request can still
    open a short transaction of its own first (an idempotency claim) without
    two connections per request exhausting the pool. And again after a
    rollback inside the unit of work, whose new transaction would otherwise run
    without the tenant scope. One listener for every session (sessions without the
    scope pass through): registering one per unit of work cost CPU on every request.
    """
    scope = session.info.get(_TENANT_SCOPE)
    if scope is not None:
        connection.execute(_SCOPE_SQL, scope)
