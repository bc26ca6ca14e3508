"""Service-to-service calls wait within the request's budget and retry reads (issue 11.9).

A local aiohttp server stands in for the callee, so that these run without the system.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from studyspot.kit import deadline
from studyspot.kit.service_client import ServiceClient, ServiceUnavailable
from studyspot.kit.settings import Settings
from tests.fixtures.system import free_port


@dataclass
class Callee:
    """Answers `statuses` in turn (then 200), after `delay` seconds; remembers what it got."""

    delay: float = 0.0
    statuses: list[int] = field(default_factory=list)
    hits: int = 0
    budgets: list[int] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        self.budgets.append(int(request.headers.get(deadline.BUDGET_HEADER, "-1")))
        await asyncio.sleep(self.delay)
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({"hit": self.hits}, status=status)


class LibraryLike(ServiceClient):
    service = "budgettest"


@pytest.fixture
async def callee(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Callee]:
    found = Callee()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    monkeypatch.setenv("BUDGETTEST_SERVICE_URL", f"http://127.0.0.1:{port}")
    try:
        yield found
    finally:
        await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[LibraryLike]:
    made = LibraryLike(Settings(environment="test"), caller="payment")
    try:
        yield made
    finally:
        await made.close()


async def test_a_slow_internal_read_is_waited_for_within_the_budget(
    callee: Callee, client: LibraryLike
) -> None:
    # The issue: a 6.6 s read under load, and a payment failed at a fixed 5 s though the
    # gateway would have waited 30.
    callee.delay = 5.5
    reply = await client.call("GET", "/internal/libraries/1", bearer="user-token")
    assert reply.status == 200
    assert callee.hits == 1  # waited for, not sent again on top of the load


async def test_a_read_answered_503_by_a_busy_callee_is_retried(
    callee: Callee, client: LibraryLike
) -> None:
    callee.statuses = [503, 502]
    reply = await client.call("GET", "/internal/bookings/1", bearer="user-token")
    assert (reply.status, callee.hits) == (200, 3)


async def test_a_write_answered_503_is_not_sent_twice(callee: Callee, client: LibraryLike) -> None:
    callee.statuses = [503]
    reply = await client.call("POST", "/internal/credentials", json={}, bearer="user-token")
    assert (reply.status, callee.hits) == (503, 1)


async def test_a_read_goes_to_the_next_instance_when_one_refuses_connections(
    callee: Callee, client: LibraryLike, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    alive = os.environ["BUDGETTEST_SERVICE_URL"]
    monkeypatch.setenv("BUDGETTEST_SERVICE_URL", f"http://127.0.0.1:{free_port()},{alive}")
    two = LibraryLike(Settings(environment="test"), caller="payment")
    try:
        for _ in range(4):
            assert (await two.call("GET", "/internal/x", bearer="t")).status == 200
    finally:
        await two.close()
    assert callee.hits == 4


async def test_the_callee_gets_what_is_left_of_the_budget_not_a_fresh_one(
    callee: Callee, client: LibraryLike
) -> None:
    token = deadline.start(2.0)
    try:
        await client.call("GET", "/internal/x", bearer="t")
    finally:
        deadline.reset(token)
    await client.call("GET", "/internal/x", bearer="t")  # outside a request: the default
    within, outside = callee.budgets
    assert 0 < within <= 2000
    assert 2000 < outside <= deadline.DEFAULT_BUDGET_SECONDS * 1000


async def test_a_call_past_the_budget_fails_with_503_instead_of_hanging(
    callee: Callee, client: LibraryLike
) -> None:
    callee.delay = 3.0
    token = deadline.start(0.3)
    started = time.monotonic()
    try:
        with pytest.raises(ServiceUnavailable):
            await client.call("GET", "/internal/x", bearer="t")
    finally:
        deadline.reset(token)
    assert time.monotonic() - started < 1.5


def test_a_budget_header_is_capped_and_garbage_ignored() -> None:
    assert deadline.budget_from_header("1500") == 1.5
    assert deadline.budget_from_header("30000") == 30.0  # the gateway's upstream timeout
    assert deadline.budget_from_header("999999999") == deadline.MAX_BUDGET_SECONDS
    for junk in ("", "-5", "1e9", "\uff11\uff12", "12.5", None):
        assert deadline.budget_from_header(junk) == deadline.DEFAULT_BUDGET_SECONDS
