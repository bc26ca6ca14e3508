"""The outboxes to read: core, the shared tenant database, and every dedicated one."""

from __future__ import annotations

import time
from dataclasses import dataclass

from studyspot.kit.db import SHARED, Database, TenantDatabases
from studyspot.kit.events.directory import TenantDirectory

CORE = "core"


@dataclass(frozen=True)
class Source:
    """An outbox by name: `core`, `tenant` (shared) or `tenant:<database key>`."""

    name: str
    key: str | None  # None for core; SHARED ("") for the shared tenant database

    @property
    def is_core(self) -> bool:
        return self.key is None


class Sources:
    def __init__(
        self,
        core: Database,
        tenants: TenantDatabases,
        directory: TenantDirectory,
        *,
        refresh_seconds: float,
    ) -> None:
        self.core = core
        self.tenants = tenants
        self.directory = directory
        self.refresh_seconds = refresh_seconds
        self._dedicated: list[str] = []
        self._refreshed_at = float("-inf")

    async def all(self) -> list[Source]:
        now = time.monotonic()
        if now - self._refreshed_at >= self.refresh_seconds:
            self._dedicated = await self.directory.dedicated_keys()
            self._refreshed_at = now
        return [
            Source(CORE, None),
            Source("tenant", SHARED),
            *(Source(f"tenant:{key}", key) for key in self._dedicated),
        ]

    async def database(self, source: Source) -> Database:
        # Looked up on every use: TenantDatabases keeps a bounded LRU of
        # engines and may have closed this one since the last cycle.
        if source.key is None:
            return self.core
        return await self.tenants.get(source.key)
