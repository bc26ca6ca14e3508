"""`/api/v1/libraries/staff`: managers and desk staff of the owner's branches.

Under `/api/v1/libraries` because the gateway routes by prefix to this service.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, Paging
from studyspot.services.library import staff as service
from studyspot.services.library.dependencies import (
    Clients,
    StaffCreator,
    StaffDeleter,
    StaffReader,
    StaffUpdater,
)
from studyspot.services.library.schemas.common import ONE_LINE
from studyspot.services.library.schemas.staff import (
    StaffCreate,
    StaffRead,
    StaffRole,
    StaffUpdate,
)

router = APIRouter(prefix="/api/v1/libraries/staff", tags=["library staff"])

StaffSort = Literal["name", "-name", "created_at", "-created_at"]


@router.post("", status_code=201, responses=problem_responses(400, 403, 409, 503))
async def create_staff(
    body: StaffCreate, viewer: StaffCreator, session: TenantSession, clients: Clients
) -> StaffRead:
    """Hire someone for chosen branches: a login is made and a set-password link sent."""
    return await service.create_staff(session, viewer, body, clients)


@router.get("", responses=problem_responses(403, 404))
async def list_staff(
    viewer: StaffReader,
    session: TenantSession,
    paging: Paging,
    library_id: uuid.UUID | None = None,
    role: StaffRole | None = None,
    is_active: bool | None = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=120, pattern=ONE_LINE, description="Name, email or phone"),
    ] = None,
    sort: StaffSort | None = None,
) -> Page[StaffRead]:
    """The owner sees everyone; a manager the people of their own branches."""
    items, total = await service.list_staff(
        session,
        viewer,
        paging,
        library_id=library_id,
        role=role,
        is_active=is_active,
        q=q,
        sort=sort,
    )
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/{staff_id:uuid}", responses=problem_responses(403, 404))
async def get_staff(staff_id: uuid.UUID, viewer: StaffReader, session: TenantSession) -> StaffRead:
    return await service.get_staff(session, viewer, staff_id)


@router.patch("/{staff_id:uuid}", responses=problem_responses(400, 403, 404, 409, 503))
async def update_staff(
    staff_id: uuid.UUID,
    body: StaffUpdate,
    viewer: StaffUpdater,
    session: TenantSession,
    clients: Clients,
) -> StaffRead:
    """Change a person's details, role or branches; `is_active: false` ends their sessions."""
    return await service.update_staff(session, viewer, staff_id, body, clients)


@router.delete("/{staff_id:uuid}", status_code=204, responses=problem_responses(403, 404, 503))
async def delete_staff(
    staff_id: uuid.UUID, viewer: StaffDeleter, session: TenantSession, clients: Clients
) -> Response:
    """Remove the person and their login."""
    await service.delete_staff(session, viewer, staff_id, clients)
    return Response(status_code=204)


@router.post(
    "/{staff_id:uuid}/invite", status_code=202, responses=problem_responses(403, 404, 409, 503)
)
async def send_invite(
    staff_id: uuid.UUID, viewer: StaffUpdater, session: TenantSession, clients: Clients
) -> StaffRead:
    """Send a new set-password link (the old one stops working when a new one is used)."""
    return await service.send_invite(session, viewer, staff_id, clients)
