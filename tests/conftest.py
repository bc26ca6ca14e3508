"""Shared fixtures: real databases (PostgreSQL and SQLite), in-process apps, clients."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from studyspot.cli import available_services
from studyspot.kit.service_client import Reply, Transport, use_transport
from studyspot.kit.settings import to_sync_url
from tests.fixtures import databases as dbfx
from tests.fixtures.databases import DbSet
from tests.fixtures.transports import asgi_transport


@pytest.fixture(scope="session", params=dbfx.backends())
def dbs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DbSet]:
    tmp: Path = tmp_path_factory.mktemp(f"db-{request.param}")
    created = dbfx.create(request.param, tmp)
    yield created
    dbfx.drop(created)


@pytest.fixture(params=dbfx.backends())
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database nobody else uses (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"ss_test_mig_{uuid.uuid4().hex[:8]}"
    url = make_url(dbfx.PG_ADMIN).set(drivername="postgresql+asyncpg", database=name)
    yield url.render_as_string(hide_password=False)
    admin = create_engine(to_sync_url(dbfx.PG_ADMIN), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture
def clean_dbs(dbs: DbSet) -> Iterator[DbSet]:
    """The databases, emptied after the test."""
    yield dbs
    dbs.truncate()


class Apps:
    """In-process service apps sharing one set of test databases."""

    def __init__(self, dbs: DbSet) -> None:
        self.dbs = dbs
        self._apps: dict[str, FastAPI] = {}
        self._clients: list[httpx.AsyncClient] = []
        self._transports: dict[str, Transport] = {}
        # Every service client in this process reaches the in-process apps.
        for name in available_services():
            use_transport(name, self._lazy_transport(name))

    def _lazy_transport(self, service: str) -> Transport:
        async def send(
            method: str, path: str, headers: dict[str, str], body: bytes | None
        ) -> Reply:
            if service not in self._transports:
                self._transports[service] = asgi_transport(self.app(service))
            return await self._transports[service](method, path, headers, body)

        return send

    def app(self, service: str) -> FastAPI:
        if service not in self._apps:
            module = importlib.import_module(f"studyspot.services.{service}.app")
            self._apps[service] = module.create_app(self.dbs.settings())
        return self._apps[service]

    def client(self, service: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app(service))
        client = httpx.AsyncClient(transport=transport, base_url=f"http://{service}.test")
        self._clients.append(client)
        return client

    async def close(self) -> None:
        for name in available_services():
            use_transport(name, None)
        for client in self._clients:
            await client.aclose()
        for app in self._apps.values():
            state = app.state.kit
            await state.tenants.dispose()
            await state.core.dispose()


@pytest.fixture
async def apps(clean_dbs: DbSet) -> AsyncIterator[Apps]:
    holder = Apps(clean_dbs)
    yield holder
    await holder.close()


@pytest.fixture
def client_for(apps: Apps) -> Callable[[str], httpx.AsyncClient]:
    return apps.client
