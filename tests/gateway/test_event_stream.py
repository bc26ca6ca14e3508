"""Event streams through the gateway: relayed as each event comes (no buffering, no read
timeout between events), and the upstream stream closed as soon as the client goes away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from tests.fixtures.system import free_port
from tests.gateway.conftest import MakeGateway

PATH = "/api/v1/events/stream"


class SseUpstream:
    """An upstream answering PATH with one event every `gap` seconds, for ever."""

    def __init__(self, gap: float) -> None:
        self.gap = gap
        self.sent: list[float] = []
        self.closed = asyncio.Event()
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        n = 0
        try:
            while True:
                self.sent.append(time.monotonic())
                await resp.write(f"id: {n}\nevent: tick\ndata: {n}\n\n".encode())
                n += 1
                await asyncio.sleep(self.gap)
        finally:
            self.closed.set()

    async def _health(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def start(self) -> SseUpstream:
        app = web.Application()
        app.router.add_get(PATH, self._stream)
        app.router.add_get("/health", self._health)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def sse_upstream() -> AsyncIterator[SseUpstream]:
    upstream = await SseUpstream(gap=0.8).start()
    yield upstream
    await upstream.close()


async def test_events_pass_as_they_come_outlive_the_read_timeout_and_end_with_the_client(
    gateway: MakeGateway, sse_upstream: SseUpstream
) -> None:
    # The read timeout is 0.5 s (FAST), the upstream is quiet 0.8 s between events.
    gw = await gateway({"community": [f"http://127.0.0.1:{sse_upstream.port}"]})
    arrived: list[float] = []
    client = httpx.AsyncClient(base_url=gw.spec.url)
    async with client, client.stream("GET", PATH, timeout=httpx.Timeout(5, read=3)) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "text/event-stream"
        assert "content-encoding" not in resp.headers
        buffer = ""
        async for text in resp.aiter_text():
            buffer += text
            while "\n\n" in buffer:
                _, buffer = buffer.split("\n\n", 1)
                arrived.append(time.monotonic())
            if len(arrived) == 4:
                break
    # Each event reached the client as it was written, not held for the next one.
    for sent, got in zip(sse_upstream.sent, arrived, strict=False):
        assert got - sent < 0.4
    # The client went away: the gateway closed the upstream stream at once.
    await asyncio.wait_for(sse_upstream.closed.wait(), 2)
