"""aiohttp's silent resend stays off in the gateway's upstream sessions.

aiohttp resends an idempotent request once when a reused keep-alive connection
turns out dead, and has no public switch for it; the gateway turns it off through
a private attribute (upstreams.without_hidden_retry). These tests fail when an
aiohttp upgrade drops that attribute or it stops doing so.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from studyspot.services.gateway.config import GatewaySettings
from studyspot.services.gateway.upstreams import Instance

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"


class DroppingServer:
    """Answers the first request of each connection and keeps it open; a second request
    on the same connection is read and the connection dropped, unanswered."""

    def __init__(self) -> None:
        self.requests = 0
        self.url = ""
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        answered = False
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                self.requests += 1
                if answered:
                    break
                writer.write(ANSWER)
                await writer.drain()
                answered = True
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


def test_aiohttp_still_has_the_private_switch() -> None:
    assert "_retry_connection" in aiohttp.ClientSession.ATTRS


async def test_a_get_on_a_dropped_keep_alive_connection_is_not_resent() -> None:
    server = DroppingServer()
    await server.start()
    inst = Instance("student", 0, server.url, GatewaySettings())
    inst.open()
    try:
        async with inst.session.get(server.url + "/first") as first:
            assert first.status == 200 and await first.read() == b"ok"
        with pytest.raises(aiohttp.ServerDisconnectedError):
            async with inst.session.get(server.url + "/second"):
                pass
        # The second GET reached the server once: aiohttp did not send it again.
        assert server.requests == 2
    finally:
        await inst.close()
        await server.close()


async def test_a_plain_session_would_resend_it() -> None:
    """The control: without the switch, aiohttp answers the same GET from a second send."""
    server = DroppingServer()
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(server.url + "/first") as first:
                assert first.status == 200
                await first.read()
            async with session.get(server.url + "/second") as second:
                assert second.status == 200
        assert server.requests == 3
    finally:
        await server.close()
