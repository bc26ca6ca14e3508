"""Who may read which library's numbers, and the library facts the KPIs need.

The owner reads every branch; a manager (library staff holding `analytics:read`)
only the branches assigned to it. A library of another branch or tenant is
answered as if it did not exist (404). The library's time zone, active seats
and shifts come from the library service's catalog, asked before any unit of
work opens.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated
from zoneinfo import ZoneInfo

from cachetools import TTLCache
from fastapi import Depends, FastAPI, Request

from studyspot.kit.auth import Principal, require_permission
from studyspot.kit.db import Database
from studyspot.kit.errors import Forbidden, NotFound
from studyspot.kit.permissions import UserType
from studyspot.kit.scope import Scope, resolve
from studyspot.kit.settings import Settings
from studyspot.kit.state import KitState, kit_state
from studyspot.services.analytics.upstream import LibraryClient


class LibraryNotFound(NotFound):
    code = "library_not_found"

    def __init__(self) -> None:
        super().__init__("No such library")


@dataclass(frozen=True)
class Shift:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class Library:
    id: uuid.UUID
    name: str
    timezone: ZoneInfo
    active_seats: int
    shifts: tuple[Shift, ...]


# A library's time zone, seats and shifts change rarely; a dashboard asks for them five
# times at once. Kept this long per process (a new seat counts within it).
CATALOG_SECONDS = 30.0


@dataclass
class Runtime:
    kit: KitState
    library: LibraryClient
    catalogs: TTLCache[tuple[uuid.UUID, uuid.UUID], Library] = field(
        default_factory=lambda: TTLCache(maxsize=10_000, ttl=CATALOG_SECONDS)
    )

    @classmethod
    def create(cls, kit: KitState, settings: Settings) -> Runtime:
        return cls(kit, LibraryClient(settings, caller="analytics"))

    async def catalog(self, tenant_id: uuid.UUID, library_id: uuid.UUID) -> Library | None:
        """The library as the KPIs need it, or None when the tenant has no such library."""
        key = (tenant_id, library_id)
        held = self.catalogs.get(key)
        if held is not None:
            return held
        found = await self.library.get_catalog(tenant_id, library_id)
        library = None
        if found is not None and found.tenant_id == tenant_id:
            library = Library(
                id=found.id,
                name=found.name,
                timezone=ZoneInfo(found.timezone),
                active_seats=found.active_seats(),
                shifts=tuple(Shift(s.id, s.name) for s in found.shifts),
            )
        if library is not None:
            self.catalogs[key] = library
        return library


def runtime_of(app: FastAPI) -> Runtime:
    found: Runtime = app.state.analytics
    return found


@dataclass(frozen=True)
class Viewer(Scope):
    runtime: Runtime = field(kw_only=True)

    async def database(self) -> Database:
        return await self.runtime.kit.tenants.get(self.principal.db_key)

    async def library(self, library_id: uuid.UUID) -> Library:
        if not self.in_branches(library_id):
            raise LibraryNotFound()
        library = await self.runtime.catalog(self.tenant_id, library_id)
        if library is None:
            raise LibraryNotFound()
        return library


async def _viewer(
    request: Request, principal: Principal = Depends(require_permission("analytics:read"))
) -> Viewer:
    runtime = runtime_of(request.app)
    return await resolve(Viewer, principal, runtime.library.staff_library_ids, runtime=runtime)


AnalyticsViewer = Annotated[Viewer, Depends(_viewer)]

_PLATFORM = (UserType.platform_admin, UserType.platform_staff)


async def _platform_user(
    principal: Principal = Depends(require_permission("analytics:read")),
) -> Principal:
    """A platform admin or staff member: a tenant's owner or manager is refused (403)."""
    if principal.user_type not in _PLATFORM or principal.tenant_id is not None:
        raise Forbidden("Only the platform's admins and staff", code="permission_denied")
    return principal


PlatformViewer = Annotated[Principal, Depends(_platform_user)]

__all__ = [
    "AnalyticsViewer",
    "Library",
    "LibraryNotFound",
    "PlatformViewer",
    "Runtime",
    "Viewer",
    "kit_state",
]
