"""A process is healthy only when its own service answers /health on its port."""

from __future__ import annotations

import os
import sys

from aiohttp import web

from studyspot.runner import ManagedProcess, ProcessSpec
from tests.fixtures.system import Logs, free_port


async def test_another_service_answering_on_the_port_is_not_this_one() -> None:
    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "service": "library"})

    app = web.Application()
    app.router.add_get("/health", health)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    # A process that never listens: what the auth service is while it fails to bind.
    idle = [sys.executable, "-c", "import time; time.sleep(30)"]
    procs = [
        ManagedProcess(ProcessSpec(name, idle, dict(os.environ), port, service=name), Logs())
        for name in ("auth", "library")
    ]
    try:
        for proc in procs:
            await proc.start()
        assert await procs[0].wait_healthy(within=1.0) is False
        assert await procs[1].wait_healthy(within=1.0) is True
    finally:
        for proc in procs:
            await proc.stop(grace=1)
        await runner.cleanup()
