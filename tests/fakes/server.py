"""Run an aiohttp application on a free loopback port inside the test's event loop."""

from __future__ import annotations

import socket

import aiohttp
from aiohttp import web


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalServer:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        port = free_port()
        site = web.TCPSite(self.runner, "127.0.0.1", port)
        await site.start()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def post_webhook(url: str, raw: bytes, headers: dict[str, str]) -> int:
    """Deliver a provider's signed webhook as the provider would; the receiver's status."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=raw, headers=headers) as resp,
    ):
        return resp.status
