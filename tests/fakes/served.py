"""Base of the local provider fakes that run as an aiohttp app on a loopback port."""

from __future__ import annotations

from aiohttp import web
from tests.fakes.server import LocalServer


class ServedFake:
    def __init__(self, app: web.Application) -> None:
        self.server = LocalServer(app)

    @property
    def url(self) -> str:
        return self.server.url

    async def start(self) -> None:
        await self.server.start()

    async def stop(self) -> None:
        await self.server.stop()
