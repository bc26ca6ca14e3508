"""Hot reads run on the driver: SQLAlchemy builds and compiles the statement, asyncpg runs it.

A page of 20 students through `session.execute` cost about 2 ms of CPU more than the
same SQL on asyncpg (bench/request_path.py): SQLAlchemy's result machinery wraps every
row and runs a type processor per value, and the ORM adds its compile state. For the few
reads every screen makes, this module keeps SQLAlchemy for what it is good at (composing
the query, compiling it once per shape) and hands the compiled SQL to asyncpg on the
session's own connection, inside the same transaction and row-level-security scope.

Rows come back as mappings (asyncpg records; SQLAlchemy row mappings on SQLite, where the
session runs the statement as usual). Only for columns whose stored value is already what
the caller wants: UUID, text, integers, booleans, dates and UTC timestamps (asyncpg
returns timezone-aware UTC datetimes for `timestamptz`, as kit.models.UTCDateTime does).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler

from studyspot.kit.db import RLS_ROLE, tenant_scope, transaction_elsewhere

# A select of any columns.
AnySelect = Select[*tuple[Any, ...]]

# Compiled SQL per statement object: callers build one statement per shape and keep it,
# so this holds one entry per query form the code can build.
_MAX_SHAPES = 1000
_compiled: dict[AnySelect, SQLCompiler] = {}


async def fetch_mappings(
    on: AsyncSession | AsyncConnection, statement: AnySelect, params: Mapping[str, Any]
) -> Sequence[Mapping[str, Any]]:
    """The rows of `statement` with its bound `params`, run in the session's transaction
    (or on the connection).

    `statement` should be built once per shape (with `bindparam`s for the values) and
    reused: building a 30-column select costs more than running it.
    """
    return await (await _reads_on(on)).fetch(statement, params)


async def fetch_value(
    on: AsyncSession | AsyncConnection, statement: AnySelect, params: Mapping[str, Any]
) -> Any:
    """The first column of the first row of `statement` (None without rows)."""
    return await (await _reads_on(on)).value(statement, params)


class Reads:
    """Reads on one connection: on its driver (PostgreSQL), or through SQLAlchemy as usual."""

    __slots__ = ("_dialect", "_driver", "_on")

    def __init__(
        self, on: AsyncSession | AsyncConnection, dialect: Any = None, driver: Any = None
    ) -> None:
        self._on = on
        self._dialect = dialect
        self._driver = driver

    async def fetch(
        self, statement: AnySelect, params: Mapping[str, Any]
    ) -> Sequence[Mapping[str, Any]]:
        if self._driver is None:
            return [dict(m) for m in (await self._on.execute(statement, dict(params))).mappings()]
        sql, args = _compiled_with_args(statement, self._dialect, params)
        return await self._driver.fetch(sql, *args)  # type: ignore[no-any-return]

    async def value(self, statement: AnySelect, params: Mapping[str, Any]) -> Any:
        if self._driver is None:
            return await self._on.scalar(statement, dict(params))
        sql, args = _compiled_with_args(statement, self._dialect, params)
        return await self._driver.fetchval(sql, *args)


async def _reads_on(on: AsyncSession | AsyncConnection) -> Reads:
    """Reads in the session's transaction (begun here if it has not) or on the connection."""
    conn = await on.connection() if isinstance(on, AsyncSession) else on
    if conn.dialect.name != "postgresql":
        return Reads(on)
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    return Reads(on, conn.dialect, driver)


@asynccontextmanager
async def reads(session: AsyncSession) -> AsyncIterator[Reads]:
    """Reads that are all a tenant unit of work reads (a list's page and its total).

    On PostgreSQL, while the unit has not begun, they run in a read-only transaction of
    their own on a pooled connection of the unit's engine, begun on the driver with the
    unit's row-level-security scope in the same round trip: `BEGIN READ ONLY` and the
    scope, the reads, `COMMIT`. These are the statements the session would send, without
    the session's transaction bookkeeping (about a fifth of a student page's CPU,
    docs/performance.md). Otherwise (SQLite, a unit without a tenant scope, one that has
    begun) they run in the unit's own transaction.
    """
    scope = tenant_scope(session)
    if scope is None or scope["role"] != RLS_ROLE or session.in_transaction():
        yield await _reads_on(session)
        return
    # Only values the unit itself set go into the statement: a UUID's text and our role.
    begin = (
        "BEGIN READ ONLY; SELECT set_config('app.tenant_id', '{}', true), "
        "set_config('role', '{}', true)"
    ).format(uuid.UUID(scope["tid"]), RLS_ROLE)
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    with transaction_elsewhere(session):
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            try:
                await driver.execute(begin)
                yield Reads(conn, engine.dialect, driver)
                await driver.execute("COMMIT")
            except BaseException:
                if not driver.is_closed() and driver.is_in_transaction():
                    with suppress(Exception):  # the connection is dropped below if this fails
                        await driver.execute("ROLLBACK")
                raise
            finally:
                if driver.is_in_transaction():
                    # Failed or cancelled inside: a transaction still carrying this tenant's
                    # scope must never go back to the pool, so the connection is dropped.
                    await conn.invalidate()


def _compiled_with_args(
    statement: AnySelect, dialect: Any, params: Mapping[str, Any]
) -> tuple[str, list[Any]]:
    compiled = _compiled.get(statement)
    if compiled is None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if compiled.post_compile_params:
            # Expanding IN lists and literal-rendered values are rendered per execution by
            # SQLAlchemy; this module runs the compiled string as it is.
            raise ValueError("driver reads take no expanding or post-compiled parameters")
        if len(_compiled) >= _MAX_SHAPES:
            _compiled.clear()
        _compiled[statement] = compiled
    return compiled.string, _positional(compiled, compiled.construct_params(dict(params)))


def _positional(compiled: SQLCompiler, values: Mapping[str, Any]) -> list[Any]:
    """The statement's parameters in asyncpg's order ($1, $2, …), through their types' bind
    processors as SQLAlchemy would pass them."""
    processors = compiled._bind_processors
    args = []
    for name in compiled.positiontup or ():
        value = values[name]
        process = processors.get(name)
        # (A sequence of processors is for tuple IN parameters, which these reads never use.)
        args.append(process(value) if callable(process) and value is not None else value)
    return args
