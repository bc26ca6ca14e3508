"""The call-order rule, enforced by the kit: no call to another service while a unit of
work holds its transaction (on SQLite its file's single write lock, which the callee
writing the same file would wait for). Outside production the call is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from studyspot.kit.db import Database, transaction_open, unit_of_work
from studyspot.kit.service_client import CallInsideTransaction
from studyspot.kit.settings import Settings
from tests.kit.test_service_call_budget import Callee, LibraryLike, callee

__all__ = ["callee"]  # fixture of the budget tests, reused


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    made = Database.create(f"sqlite+aiosqlite:///{tmp_path / 'uow.db'}")
    try:
        yield made
    finally:
        await made.dispose()


async def _client(environment: str) -> LibraryLike:
    settings = Settings(environment="test")
    client = LibraryLike(settings, caller="booking")
    # Copied rather than validated, after the keys were loaded: production would want real ones.
    client.settings = settings.model_copy(update={"environment": environment})
    return client


async def test_a_call_inside_an_open_transaction_is_refused(callee: Callee, db: Database) -> None:
    client = await _client("test")
    try:
        async with unit_of_work(db) as session:
            await session.execute(text("SELECT 1"))
            assert transaction_open()
            with pytest.raises(CallInsideTransaction):
                await client.call("GET", "/internal/libraries/1", bearer="user-token")
        assert callee.hits == 0  # refused before anything was sent
    finally:
        await client.close()


async def test_a_call_before_the_first_statement_or_after_the_unit_goes_through(
    callee: Callee, db: Database
) -> None:
    client = await _client("test")
    try:
        async with unit_of_work(db) as session:
            # Opened, nothing run yet: no transaction, no lock held.
            assert not transaction_open()
            first = await client.call("GET", "/internal/libraries/1", bearer="user-token")
            await session.execute(text("SELECT 1"))
        assert not transaction_open()
        second = await client.call("GET", "/internal/libraries/1", bearer="user-token")
        assert (first.status, second.status) == (200, 200)
        assert callee.hits == 2
    finally:
        await client.close()


async def test_a_unit_that_ended_its_transaction_may_call_again(
    callee: Callee, db: Database
) -> None:
    client = await _client("test")
    try:
        async with unit_of_work(db) as session:
            await session.execute(text("SELECT 1"))
            await session.rollback()  # what auth's `end_reads` does before its call
            reply = await client.call("GET", "/internal/libraries/1", bearer="user-token")
        assert reply.status == 200
    finally:
        await client.close()


async def test_production_logs_the_call_and_sends_it(callee: Callee, db: Database) -> None:
    client = await _client("production")
    try:
        async with unit_of_work(db) as session:
            await session.execute(text("SELECT 1"))
            reply = await client.call("GET", "/internal/libraries/1", bearer="user-token")
        assert reply.status == 200
        assert callee.hits == 1
    finally:
        await client.close()
