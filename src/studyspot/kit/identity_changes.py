"""Push invalidation of the per-process identity cache (kit/auth.py), on PostgreSQL.

Every request checks that its user is still active, its sessions not ended and its
tenant and subscription still serving: one query on the core database. Caching that
answer would let a revoked token work until the entry expired, so the cache is used
only while this process hears the core database's `identity_changed` notifications.
Triggers on the identity tables (migration core_kit_0003) send one at the commit of
any change that could alter the answer; the entry is dropped before the next request
can read it. While the listening connection is down nothing is cached, and whatever
was cached is forgotten when it drops and again when it is back, because
notifications sent in between are lost. SQLite has no notifications: never cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from sqlalchemy.engine import make_url

CHANNEL = "identity_changed"
# Between attempts to listen again after the connection was lost.
RECONNECT_SECONDS = 1.0

log = structlog.get_logger(__name__)


class IdentityChanges:
    """The listening connection and what it tells the cache (`forget_user`, `forget_all`)."""

    def __init__(self, forget_user: Callable[[uuid.UUID], None], forget_all: Callable[[], None]):
        self._forget_user = forget_user
        self._forget_all = forget_all
        self.listening = False
        self._task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()

    def start(self, core_url: str) -> None:
        if make_url(core_url).get_backend_name() != "postgresql":
            return
        self._task = asyncio.create_task(self._listen(_dsn(core_url)), name="identity-changes")

    async def stop(self) -> None:
        task, self._task = self._task, None
        self._set_listening(False)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def changed(self, payload: str) -> None:
        """One notification: `u:<user id>` for a user, `t:<tenant id>` for a tenant or its
        subscription (rare, so every entry goes), anything else forgets everything."""
        kind, _, value = payload.partition(":")
        if kind == "u":
            try:
                self._forget_user(uuid.UUID(value))
                return
            except ValueError:
                pass
        self._forget_all()

    def _set_listening(self, listening: bool) -> None:
        self._forget_all()
        self.listening = listening

    async def _listen(self, dsn: str) -> None:
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(dsn, timeout=10)
                self._lost.clear()
                conn.add_termination_listener(lambda _c: self._lost.set())
                await conn.add_listener(CHANNEL, self._on_notification)
                self._set_listening(True)
                log.info("identity_changes_listening")
                await self._lost.wait()
                log.warning("identity_changes_connection_lost")
            except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
                log.warning("identity_changes_unavailable", error=type(exc).__name__)
            finally:
                self._set_listening(False)
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), timeout=2)
            await asyncio.sleep(RECONNECT_SECONDS)

    def _on_notification(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        self.changed(str(payload))


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
