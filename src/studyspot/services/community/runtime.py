"""What the community service keeps per application: kit state, clients and clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI, Request

from studyspot.kit.db import Database
from studyspot.kit.models import utcnow
from studyspot.kit.scope import Scope
from studyspot.kit.state import KitState
from studyspot.kit.storage import BlobStorage
from studyspot.services.community.upstream import Upstream


@dataclass
class Runtime:
    kit: KitState
    upstream: Upstream
    # Attachments' blobs: local disk by default, an S3-compatible store (`STORAGE_*`).
    storage: BlobStorage
    # Replaceable so that tests move time (mutes, invite expiry) instead of sleeping.
    clock: Callable[[], datetime] = field(default=utcnow)

    def now(self) -> datetime:
        return self.clock()

    async def database(self, scope: Scope) -> Database:
        """The tenant database of the caller's tenant (shared or dedicated)."""
        return await self.kit.tenants.get(scope.principal.db_key)


def runtime_of(app: FastAPI) -> Runtime:
    found: Runtime = app.state.community
    return found


async def request_runtime(request: Request) -> Runtime:
    return runtime_of(request.app)
