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
from tests.fixtures.route_state import share_route_state
from tests.fixtures.transports import asgi_transport

share_route_state()

# Modules that start processes (the system, browsers, `studyspot up`) or run 50-request
# storms take 30 s to 2 min each. xdist's loadfile hands files out in collection order,
# so alphabetically the browser scenarios came last and three workers ended the run on
# them one after another; handed out first, the short files fill in around them.
_LONG = (
    "tests/web/",
    "tests/test_up.py",
    "tests/booking/test_races.py",
    "tests/payment/test_invoice_numbers.py",
    "tests/gateway/test_rate_limits.py",
)
_STARTS_PROCESSES = {"system", "system_processes", "console_system", "desk_system"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def long_first(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        fixtures = set(getattr(item, "fixturenames", ()))
        return 0 if path.startswith(_LONG) or fixtures & _STARTS_PROCESSES else 1

    items.sort(key=long_first)  # stable: each group keeps its order


# One set of test databases per backend and worker process. xdist runs a file's tests of
# both backends one after the other, so pytest finalizes this session fixture at every
# switch of backend: creating and migrating fresh databases there cost 5-14 s per file.
# They are made once, emptied when taken up again, and dropped when the session ends.
_made: dict[str, DbSet] = {}


@pytest.fixture(scope="session", params=dbfx.backends())
def dbs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DbSet]:
    made = _made.get(request.param)
    if made is None:
        tmp: Path = tmp_path_factory.mktemp(f"db-{request.param}")
        made = _made[request.param] = dbfx.create(request.param, tmp)
    else:
        made.truncate()  # as fresh as newly migrated databases, for tests that do not clean
    yield made


def pytest_sessionfinish() -> None:
    for made in _made.values():
        dbfx.drop(made)
    _made.clear()


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
