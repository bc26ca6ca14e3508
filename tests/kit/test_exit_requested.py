"""`kit.serving.on_exit_requested`: what never ends by itself (an event stream) is told the
moment the process is asked to stop, before uvicorn waits for in-flight requests."""

from __future__ import annotations

import asyncio
import signal

import uvicorn

from studyspot.kit.serving import BoundedServer, on_exit_requested


async def test_a_stop_request_calls_the_registered_callbacks_in_their_loop() -> None:
    told = asyncio.Event()
    forgotten: list[str] = []
    unregister = on_exit_requested(told.set)
    on_exit_requested(lambda: forgotten.append("called"))()  # registered, then unregistered
    server = BoundedServer(uvicorn.Config(app=lambda *a: None), grace=3600)
    try:
        server.handle_exit(signal.SIGTERM, None)
        await asyncio.wait_for(told.wait(), 1)
        assert server.should_exit
        assert forgotten == []
    finally:
        unregister()
        if server._deadline is not None:  # the hard-exit timer: not in a test process
            server._deadline.cancel()
