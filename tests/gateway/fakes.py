"""Small HTTP servers standing in for services: they record what reaches them.

Paths ending in these words behave specially (any prefix, so any route works):
`/slow` answers after 2 s; `/drop` reads the request and cuts the connection;
`/flaky` cuts the connection on its first receipt only; `/big?mib=N` streams N MiB;
`/unavailable` answers the upstream's own 503 problem (`source_unavailable`) and
`/refuse-large` its own 413 problem, as a service does.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from aiohttp import web

from tests.fixtures.system import free_port


@dataclass
class Receipt:
    method: str
    path: str
    headers: dict[str, str]
    body_bytes: int


@dataclass
class FakeUpstream:
    name: str
    receipts: list[Receipt] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, suffix: str) -> int:
        return sum(1 for r in self.receipts if r.path.split("?")[0].endswith(suffix))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/health":
            return web.json_response({"status": "ok", "service": self.name})
        size = 0
        async for chunk in request.content.iter_any():
            size += len(chunk)
        path = request.path
        self.receipts.append(Receipt(request.method, request.raw_path, dict(request.headers), size))
        if path.endswith("/slow"):
            await asyncio.sleep(2.0)
        if path.endswith("/drop") or (path.endswith("/flaky") and self.count("/flaky") == 1):
            assert request.transport is not None
            request.transport.close()
            raise asyncio.CancelledError
        for suffix, status, code in (
            ("/unavailable", 503, "source_unavailable"),
            ("/refuse-large", 413, "payload_too_large"),
        ):
            if path.endswith(suffix):
                return web.Response(
                    status=status,
                    body=json.dumps(
                        {"status": status, "code": code, "detail": f"{self.name} says no"}
                    ).encode(),
                    headers={"Content-Type": "application/problem+json", "Retry-After": "7"},
                )
        if path.endswith("/big"):
            mib = int(request.query.get("mib", "1"))
            resp = web.StreamResponse(headers={"Content-Type": "text/csv"})
            await resp.prepare(request)
            line = b"x" * 1023 + b"\n"
            for _ in range(mib):
                await resp.write(line * 1024)
            await resp.write_eof()
            return resp
        return web.json_response(
            {
                "service": self.name,
                "method": request.method,
                "path": request.raw_path,
                "body_bytes": size,
                "headers": {k.lower(): v for k, v in request.headers.items()},
            },
            headers={"X-Request-ID": "upstream-must-not-win"},
        )

    async def start(self) -> FakeUpstream:
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
