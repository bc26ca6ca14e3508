"""Fixtures for gateway tests: fake upstreams in this process, gateways as real processes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import pytest

from studyspot.runner import ManagedProcess
from tests.fixtures.system import Logs, start_gateway, system, system_processes  # noqa: F401  (fixtures)
from tests.gateway.fakes import FakeUpstream

# Short timeouts so failure paths answer quickly; limits out of reach unless a test sets them.
FAST = {
    "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "0.5",
    "GATEWAY_CONNECT_TIMEOUT_SECONDS": "0.5",
    "GATEWAY_BREAKER_FAILURES": "3",
    "GATEWAY_BREAKER_OPEN_SECONDS": "1",
    "GATEWAY_RETRY_BASE_SECONDS": "0.01",
    "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
    "GATEWAY_AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
}

MakeFake = Callable[[str], Awaitable[FakeUpstream]]
MakeGateway = Callable[..., Awaitable[ManagedProcess]]


@pytest.fixture
async def fake() -> AsyncIterator[MakeFake]:
    made: list[FakeUpstream] = []

    async def make(name: str) -> FakeUpstream:
        upstream = await FakeUpstream(name).start()
        made.append(upstream)
        return upstream

    yield make
    for upstream in made:
        await upstream.close()


@pytest.fixture
def gateway_logs() -> Logs:
    return Logs()


@pytest.fixture
async def gateway(gateway_logs: Logs) -> AsyncIterator[MakeGateway]:
    """`await gateway({"student": [url]}, GATEWAY_X="1")` → a running gateway process."""
    started: list[ManagedProcess] = []

    async def make(
        upstreams: Mapping[str, list[str]], name: str = "gateway", **env: str
    ) -> ManagedProcess:
        proc = await start_gateway(upstreams, gateway_logs, env={**FAST, **env}, name=name)
        started.append(proc)
        return proc

    yield make
    for proc in started:
        await proc.stop(grace=5)


@pytest.fixture
def redis_prefix() -> str:
    return f"test:gateway:{uuid.uuid4().hex}:"
