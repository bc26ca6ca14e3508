"""On the embedded default, reads never queue behind writers (issue 11.9).

Under 200 concurrent desk payments an internal read of the library service,
holding SQLite's write lock for 3 ms, waited 6.6 s (up to 10 s measured) for it:
every unit of work began IMMEDIATE, reads included. Reads now begin DEFERRED on a
pool of their own and see a WAL snapshot without any lock.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from studyspot.kit.db import Database, unit_of_work

READ_WITHIN_SECONDS = 2.0


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    made = Database.create(f"sqlite+aiosqlite:///{tmp_path / 'tenant.db'}")
    async with unit_of_work(made) as session:
        await session.execute(text("CREATE TABLE dues (id TEXT PRIMARY KEY, paid INTEGER)"))
        await session.execute(text("INSERT INTO dues VALUES ('b1', 100)"))
    try:
        yield made
    finally:
        await made.dispose()


async def _hold_the_write_lock(db: Database, holding: asyncio.Event, done: asyncio.Event) -> None:
    async with unit_of_work(db) as session:
        await session.execute(text("UPDATE dues SET paid = paid + 100 WHERE id = 'b1'"))
        holding.set()
        await done.wait()


async def test_a_read_unit_does_not_wait_for_a_writer_holding_the_lock(db: Database) -> None:
    holding, done = asyncio.Event(), asyncio.Event()
    writer = asyncio.create_task(_hold_the_write_lock(db, holding, done))
    await holding.wait()
    try:

        async def read() -> int:
            async with unit_of_work(db, read_only=True) as session:
                return int((await session.execute(text("SELECT paid FROM dues"))).scalar_one())

        # The snapshot before the writer's commit, at once, not after it.
        assert await asyncio.wait_for(read(), READ_WITHIN_SECONDS) == 100
        async with db.reader.connect() as conn:
            paid = await asyncio.wait_for(
                conn.execute(text("SELECT paid FROM dues")), READ_WITHIN_SECONDS
            )
            assert paid.scalar_one() == 100
        assert await asyncio.wait_for(db.ping(), READ_WITHIN_SECONDS) >= 0
    finally:
        done.set()
        await writer
    async with unit_of_work(db, read_only=True) as session:
        assert (await session.execute(text("SELECT paid FROM dues"))).scalar_one() == 200


async def test_many_reads_while_a_writer_holds_the_lock_all_answer(db: Database) -> None:
    holding, done = asyncio.Event(), asyncio.Event()
    writer = asyncio.create_task(_hold_the_write_lock(db, holding, done))
    await holding.wait()

    async def read() -> None:
        async with unit_of_work(db, read_only=True) as session:
            await session.execute(text("SELECT paid FROM dues"))

    try:
        await asyncio.wait_for(asyncio.gather(*(read() for _ in range(50))), 10.0)
    finally:
        done.set()
        await writer


async def test_a_write_in_a_read_only_unit_fails_at_once_not_only_under_load(
    db: Database,
) -> None:
    # Without the guard a deferred transaction would upgrade to a writer when nobody else
    # writes, and fail with "database is locked" only when someone does.
    with pytest.raises(OperationalError, match="readonly"):
        async with unit_of_work(db, read_only=True) as session:
            await session.execute(text("SELECT paid FROM dues"))
            await session.execute(text(f"INSERT INTO dues VALUES ('{uuid.uuid4()}', 1)"))
    async with unit_of_work(db) as session:  # the writers' pool is untouched by the guard
        await session.execute(text("INSERT INTO dues VALUES ('b2', 1)"))


async def test_concurrent_writers_of_one_process_all_commit(db: Database) -> None:
    async def pay() -> None:
        async with unit_of_work(db) as session:
            paid = (await session.execute(text("SELECT paid FROM dues"))).scalar_one()
            await asyncio.sleep(0)  # check-then-write, interleaved with the others
            await session.execute(text("UPDATE dues SET paid = :p"), {"p": paid + 1})

    await asyncio.gather(*(pay() for _ in range(100)))
    async with unit_of_work(db, read_only=True) as session:
        assert (await session.execute(text("SELECT paid FROM dues"))).scalar_one() == 200


async def test_a_writer_that_outwaits_the_lock_timeout_answers_503_not_500() -> None:
    # The work was not done and may be retried: a 500 would say neither.
    import httpx
    from fastapi import FastAPI
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from studyspot.kit.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    @app.post("/locked")
    async def locked() -> None:
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    @app.post("/pool")
    async def pool() -> None:
        raise PoolTimeout("QueuePool limit of size 1 overflow 0 reached")

    @app.post("/other")
    async def other() -> None:
        raise OperationalError("SELECT", {}, Exception("no such table: secrets"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        for path in ("/locked", "/pool"):
            resp = await http.post(path)
            assert resp.status_code == 503, resp.text
            assert resp.json()["code"] == "database_busy"
            assert resp.headers["retry-after"] == "1"
        other_error = await http.post("/other")
        assert other_error.status_code == 500
        assert "secrets" not in other_error.text


async def test_postgresql_refusing_one_more_client_answers_503_not_500() -> None:
    # PostgreSQL at its connection limit says so with SQLSTATE 53300 ("too many clients");
    # that is the server being full, not the request being wrong. A role allowed no
    # connection at all provokes the same refusal from the real server.
    import httpx
    from fastapi import FastAPI
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from studyspot.kit.errors import install_error_handlers
    from studyspot.kit.settings import to_sync_url
    from tests.fixtures.databases import PG_ADMIN

    role = f"full_{uuid.uuid4().hex[:12]}"
    admin = create_engine(to_sync_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0"))
    full = Database.create(
        make_url(PG_ADMIN)
        .set(drivername="postgresql+asyncpg", username=role)
        .render_as_string(hide_password=False)
    )
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/read")
    async def read() -> None:
        async with unit_of_work(full, read_only=True) as session:
            await session.execute(text("SELECT 1"))

    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            resp = await http.get("/read")
        assert resp.status_code == 503, resp.text
        assert resp.json()["code"] == "database_busy"
        assert resp.headers["retry-after"] == "1"
    finally:
        await full.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
