"""Concurrent identical internal reads share one call (`ServiceClient.call(..., shared=True)`),
and keep-alive connections are closed by the side that no longer reuses them (issue 11.9).

200 concurrent desk payments each read the same library, tenant and student for the
invoice: 600 reads of three records. Shared, the callee answers a handful.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from studyspot.cli import _keep_alive
from studyspot.kit.serving import CALLER_KEEP_ALIVE_SECONDS, SERVICE_KEEP_ALIVE_SECONDS
from tests.kit.test_service_call_budget import Callee, LibraryLike, callee, client

__all__ = ["callee", "client"]  # fixtures of the budget tests, reused

TENANT = uuid.uuid4()


async def test_concurrent_identical_reads_reach_the_callee_once(
    callee: Callee, client: LibraryLike
) -> None:
    callee.delay = 0.2
    replies = await asyncio.gather(
        *(
            client.call("GET", "/internal/libraries/1", tenant_id=TENANT, shared=True)
            for _ in range(50)
        )
    )
    assert [r.status for r in replies] == [200] * 50
    assert {r.json()["hit"] for r in replies} == {1}
    assert callee.hits == 1


async def test_reads_of_another_tenant_or_record_are_not_merged(
    callee: Callee, client: LibraryLike
) -> None:
    callee.delay = 0.2
    await asyncio.gather(
        client.call("GET", "/internal/libraries/1", tenant_id=TENANT, shared=True),
        client.call("GET", "/internal/libraries/1", tenant_id=uuid.uuid4(), shared=True),
        client.call("GET", "/internal/libraries/2", tenant_id=TENANT, shared=True),
        client.call(
            "GET", "/internal/libraries/1", params={"x": "1"}, tenant_id=TENANT, shared=True
        ),
    )
    assert callee.hits == 4


async def test_a_read_after_the_shared_one_answered_is_sent_again(
    callee: Callee, client: LibraryLike
) -> None:
    # Shared while in flight only: nothing is cached.
    first = await client.call("GET", "/internal/libraries/1", tenant_id=TENANT, shared=True)
    second = await client.call("GET", "/internal/libraries/1", tenant_id=TENANT, shared=True)
    assert (first.json()["hit"], second.json()["hit"]) == (1, 2)


async def test_a_joiner_that_gives_up_does_not_cancel_the_others(
    callee: Callee, client: LibraryLike
) -> None:
    callee.delay = 0.3
    starter = asyncio.create_task(
        client.call("GET", "/internal/libraries/1", tenant_id=TENANT, shared=True)
    )
    await asyncio.sleep(0.05)  # the starter's call is in flight
    joiner = asyncio.create_task(
        client.call("GET", "/internal/libraries/1", tenant_id=TENANT, shared=True)
    )
    await asyncio.sleep(0.05)
    starter.cancel()  # e.g. its client went away
    reply = await joiner
    assert reply.status == 200
    assert callee.hits == 1
    with pytest.raises(asyncio.CancelledError):
        await starter


async def test_writes_and_reads_with_a_users_token_are_never_shared(client: LibraryLike) -> None:
    with pytest.raises(ValueError):
        await client.call("POST", "/internal/libraries", json={}, shared=True)
    with pytest.raises(ValueError):
        await client.call("GET", "/internal/libraries/1", bearer="user-token", shared=True)


def test_idle_connections_are_closed_by_the_side_that_stopped_reusing_them() -> None:
    # A client sending on a connection the server closes at that moment gets a reset
    # (httpx ReadError; one in 600 payments when httpx's 5 s met uvicorn's 5 s).
    assert CALLER_KEEP_ALIVE_SECONDS < SERVICE_KEEP_ALIVE_SECONDS == _keep_alive("payment")
    # The gateway's clients are not ours: longer than httpx/aiohttp (5 s) and a load
    # balancer's usual 60 s.
    assert _keep_alive("gateway") > 60
