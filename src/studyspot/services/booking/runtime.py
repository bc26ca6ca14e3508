"""What the booking service keeps per application: its settings, clients and clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI, Request

from studyspot.kit.auth import Principal
from studyspot.kit.db import Database
from studyspot.kit.models import utcnow
from studyspot.kit.state import KitState
from studyspot.services.booking.config import BookingSettings
from studyspot.services.booking.service.map_cache import MapCache
from studyspot.services.booking.upstream import Upstream


@dataclass
class Runtime:
    kit: KitState
    config: BookingSettings
    upstream: Upstream
    # Replaceable so that tests can let a hold run out without waiting for it.
    clock: Callable[[], datetime] = field(default=utcnow)
    # Seat maps kept while still true (service/map_cache.py).
    maps: MapCache = field(default_factory=MapCache)

    def now(self) -> datetime:
        return self.clock()

    async def database_of(self, principal: Principal) -> Database:
        return await self.kit.tenants.get(principal.db_key)


def runtime_of(app: FastAPI) -> Runtime:
    found: Runtime = app.state.booking
    return found


async def request_runtime(request: Request) -> Runtime:
    return runtime_of(request.app)
