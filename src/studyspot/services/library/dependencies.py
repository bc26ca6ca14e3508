"""Who may call what: the viewer behind each permission, and sessions for internal calls."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import Principal, TenantSession, require_permission
from studyspot.kit.permissions import UserType
from studyspot.services.library.access import Viewer
from studyspot.services.library.repository import StaffRepository
from studyspot.services.library.upstream import Upstream, request_upstream


async def _branches_of(
    session: AsyncSession, principal: Principal, tenant_id: uuid.UUID
) -> frozenset[uuid.UUID] | None:
    if principal.user_type != UserType.library_staff:
        return None
    repo = StaffRepository(session, tenant_id)
    staff = await repo.get(principal.user_id)
    if staff is None or not staff.is_active:
        return frozenset()
    return frozenset((await repo.library_ids([staff.id]))[staff.id])


def viewer_with(permission: str) -> Callable[..., Coroutine[Any, Any, Viewer]]:
    """Dependency: the caller (holding `permission`) and the branches it may see."""
    checker = require_permission(permission)

    # A default, not Annotated[...]: the string annotation could not see `checker`.
    async def _viewer(session: TenantSession, principal: Principal = Depends(checker)) -> Viewer:
        tenant_id = principal.require_tenant()
        return Viewer(principal, tenant_id, await _branches_of(session, principal, tenant_id))

    _viewer.__name__ = f"viewer_{permission.replace(':', '_')}"
    return _viewer


LibrariesReader = Annotated[Viewer, Depends(viewer_with("libraries:read"))]
LibrariesCreator = Annotated[Viewer, Depends(viewer_with("libraries:create"))]
LibrariesUpdater = Annotated[Viewer, Depends(viewer_with("libraries:update"))]
LibrariesDeleter = Annotated[Viewer, Depends(viewer_with("libraries:delete"))]
SeatsReader = Annotated[Viewer, Depends(viewer_with("seats:read"))]
SeatsCreator = Annotated[Viewer, Depends(viewer_with("seats:create"))]
SeatsUpdater = Annotated[Viewer, Depends(viewer_with("seats:update"))]
SeatsDeleter = Annotated[Viewer, Depends(viewer_with("seats:delete"))]
ShiftsReader = Annotated[Viewer, Depends(viewer_with("shifts:read"))]
ShiftsCreator = Annotated[Viewer, Depends(viewer_with("shifts:create"))]
ShiftsUpdater = Annotated[Viewer, Depends(viewer_with("shifts:update"))]
ShiftsDeleter = Annotated[Viewer, Depends(viewer_with("shifts:delete"))]
FeePlansReader = Annotated[Viewer, Depends(viewer_with("fee_plans:read"))]
FeePlansCreator = Annotated[Viewer, Depends(viewer_with("fee_plans:create"))]
FeePlansUpdater = Annotated[Viewer, Depends(viewer_with("fee_plans:update"))]
FeePlansDeleter = Annotated[Viewer, Depends(viewer_with("fee_plans:delete"))]
StaffReader = Annotated[Viewer, Depends(viewer_with("staff:read"))]
StaffCreator = Annotated[Viewer, Depends(viewer_with("staff:create"))]
StaffUpdater = Annotated[Viewer, Depends(viewer_with("staff:update"))]
StaffDeleter = Annotated[Viewer, Depends(viewer_with("staff:delete"))]

Clients = Annotated[Upstream, Depends(request_upstream)]
