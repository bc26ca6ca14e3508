"""`studyspot serve`: one service under uvicorn, stopped within a bounded grace.

Uvicorn's graceful shutdown waits for every in-flight request without limit,
so one request that never ends (a client that stops sending its body halfway,
a handler stuck on a dependency) keeps a SIGTERMed service alive for ever; if
the supervisor is gone (its parent-death signal is a SIGTERM), nothing else
will ever stop it. So:
- in-flight requests get `grace` seconds, then they are cancelled and the
  application's shutdown hooks run (the student service kills the children
  reading import files there);
- whatever still holds the process `grace + HARD_EXIT_MARGIN` seconds after
  the first signal (a hook that hangs, a thread that never returns) is ended
  by `os._exit`. Children started with `PR_SET_PDEATHSIG` (kit.sandbox) die
  with the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sys
import threading
from collections.abc import Callable
from types import FrameType

import uvicorn

HARD_EXIT_MARGIN = 2.0
HARD_EXIT_CODE = 70
# How long an idle keep-alive connection stays open. Whoever closes an idle connection
# must do it *after* the client stopped reusing it: a client that sends on a connection
# the server is closing at that moment gets a reset (httpx: ReadError) and cannot know
# whether its POST ran. So our own callers drop pooled connections sooner
# (`CALLER_KEEP_ALIVE_SECONDS`) than services close them, and the gateway, whose
# clients we do not control, keeps them longer than clients commonly do (httpx and
# aiohttp 5 s, browsers up to a minute, load balancers 60 s): seen as one ReadError in
# 600 desk payments when httpx's 5 s and uvicorn's 5 s met (docs/architecture.md).
SERVICE_KEEP_ALIVE_SECONDS = 5
CALLER_KEEP_ALIVE_SECONDS = 4.0


# Called in their loop as soon as the process is asked to stop, before uvicorn waits for
# in-flight requests: what never ends by itself (an event stream) ends here at once.
_EXIT_CALLBACKS: dict[int, tuple[asyncio.AbstractEventLoop, Callable[[], None]]] = {}
_EXIT_KEYS = itertools.count()


def on_exit_requested(callback: Callable[[], None]) -> Callable[[], None]:
    """Register `callback` (from inside the running loop); returns the unregistering."""
    key = next(_EXIT_KEYS)
    _EXIT_CALLBACKS[key] = (asyncio.get_running_loop(), callback)
    return lambda: _EXIT_CALLBACKS.pop(key, None) and None


def _announce_exit() -> None:
    for loop, callback in list(_EXIT_CALLBACKS.values()):
        with contextlib.suppress(RuntimeError):  # a closed loop
            loop.call_soon_threadsafe(callback)


class BoundedServer(uvicorn.Server):
    """A uvicorn server whose exit, once asked for, happens within a known time."""

    def __init__(self, config: uvicorn.Config, grace: float) -> None:
        super().__init__(config)
        self.grace = grace
        self._deadline: threading.Timer | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        _announce_exit()
        if self._deadline is None:
            self._deadline = threading.Timer(self.grace + HARD_EXIT_MARGIN, _hard_exit)
            self._deadline.daemon = True
            self._deadline.start()


def _hard_exit() -> None:
    sys.stderr.write("shutdown grace exceeded; exiting now\n")
    sys.stderr.flush()
    os._exit(HARD_EXIT_CODE)


def serve(
    app_factory: str,
    *,
    host: str,
    port: int,
    grace: float,
    keep_alive: int = SERVICE_KEEP_ALIVE_SECONDS,
) -> None:
    config = uvicorn.Config(
        app_factory,
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        timeout_keep_alive=keep_alive,
        timeout_graceful_shutdown=max(1, round(grace)),
    )
    BoundedServer(config, grace).run()
