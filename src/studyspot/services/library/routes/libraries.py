"""`/api/v1/libraries`: the owner's branches."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from studyspot.kit.auth import Principal, TenantSession, require_permission
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, Paging
from studyspot.services.library import libraries as service
from studyspot.services.library.dependencies import (
    Clients,
    LibrariesCreator,
    LibrariesDeleter,
    LibrariesReader,
    LibrariesUpdater,
)
from studyspot.services.library.repository import (
    LibraryRepository,
    SeatRepository,
    StaffRepository,
)
from studyspot.services.library.schemas.common import ONE_LINE
from studyspot.services.library.schemas.libraries import (
    LibraryCreate,
    LibraryRead,
    LibraryStatus,
    LibraryUpdate,
    LibraryUsage,
)

router = APIRouter(prefix="/api/v1/libraries", tags=["libraries"])

SubscriptionReader = Annotated[Principal, Depends(require_permission("subscriptions:read"))]
LibrarySort = Literal["name", "-name", "city", "-city", "created_at", "-created_at"]


@router.post("", status_code=201, responses=problem_responses(400, 403, 409, 503))
async def create_library(
    body: LibraryCreate, viewer: LibrariesCreator, session: TenantSession, clients: Clients
) -> LibraryRead:
    """Add a branch. 403 `plan_limit_reached` when the subscription allows no more libraries."""
    return LibraryRead.of(await service.create_library(session, viewer, body, clients))


@router.get("")
async def list_libraries(
    viewer: LibrariesReader,
    session: TenantSession,
    paging: Paging,
    status: LibraryStatus | None = None,
    city: Annotated[str | None, Query(min_length=1, max_length=80, pattern=ONE_LINE)] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=120, pattern=ONE_LINE, description="Name contains"),
    ] = None,
    sort: LibrarySort | None = None,
) -> Page[LibraryRead]:
    """The branches the caller may see: all for the owner, assigned ones for staff."""
    items, total = await service.list_libraries(
        session, viewer, paging, status=status, city=city, q=q, sort=sort
    )
    return Page(
        items=[LibraryRead.of(i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/usage", response_model=LibraryUsage, responses=problem_responses(401, 403))
async def usage(principal: SubscriptionReader, session: TenantSession) -> LibraryUsage:
    """The tenant's libraries, seats and active staff, beside its plan's limits
    (`GET /api/v1/subscriptions/current`). The owner's (`subscriptions:read`)."""
    tenant_id = principal.require_tenant()
    return LibraryUsage(
        libraries=await LibraryRepository(session, tenant_id).count(),
        seats=await SeatRepository(session, tenant_id).count(),
        staff=await StaffRepository(session, tenant_id).count_active(),
    )


@router.get("/{library_id:uuid}", responses=problem_responses(403, 404))
async def get_library(
    library_id: uuid.UUID, viewer: LibrariesReader, session: TenantSession
) -> LibraryRead:
    return LibraryRead.of(await service.get_library(session, viewer, library_id))


@router.patch("/{library_id:uuid}", responses=problem_responses(400, 403, 404, 409))
async def update_library(
    library_id: uuid.UUID, body: LibraryUpdate, viewer: LibrariesUpdater, session: TenantSession
) -> LibraryRead:
    """Change a branch; `status: closed` stops it from taking students."""
    return LibraryRead.of(await service.update_library(session, viewer, library_id, body))


@router.delete("/{library_id:uuid}", status_code=204, responses=problem_responses(403, 404, 409))
async def delete_library(
    library_id: uuid.UUID, viewer: LibrariesDeleter, session: TenantSession
) -> Response:
    """Delete a branch made by mistake. 409 `library_in_use` once its plans were sold: close it."""
    await service.delete_library(session, viewer, library_id)
    return Response(status_code=204)
