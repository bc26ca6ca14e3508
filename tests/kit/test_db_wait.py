"""DB_WAIT_SECONDS bounds how long a unit of work waits for a connection (on SQLite, for
the write lock): an operator can let a burst queue longer, or fail faster, than 30 s."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from studyspot.kit.db import Database, unit_of_work
from tests.fixtures.databases import DbSet


async def test_a_writer_waits_only_as_long_as_the_setting_says(clean_dbs: DbSet) -> None:
    # One connection in all: the second writer can only wait for the first to finish.
    db = Database.create(clean_dbs.core_url, pool_size=1, max_overflow=0, wait_seconds=0.3)
    holding = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with unit_of_work(db) as session:
            await session.execute(text("SELECT 1"))
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    try:
        await holding.wait()
        started = time.monotonic()
        try:
            async with unit_of_work(db) as session:
                await session.execute(text("SELECT 1"))
        except PoolTimeout:
            pass
        else:
            raise AssertionError("the second writer got a connection the first still held")
        waited = time.monotonic() - started
        # Not the default 30 s; the lower bound proves it waited rather than failing at once.
        assert 0.25 <= waited < 5, waited
        release.set()
        await holder
        # Once the first is done, the next writer goes through.
        async with unit_of_work(db) as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        release.set()
        await asyncio.gather(holder, return_exceptions=True)
        await db.dispose()
