"""Who may call what: the viewer behind each permission, and sessions for internal calls."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from studyspot.kit.auth import TenantSession
from studyspot.kit.scope import StaffBranches, scope_dependencies
from studyspot.services.library.access import Viewer
from studyspot.services.library.repository import StaffRepository
from studyspot.services.library.upstream import Upstream, request_upstream


async def _staff_branches(session: TenantSession) -> StaffBranches:
    """The library service reads its own assignments, in the request's unit of work."""

    async def branches(tenant_id: uuid.UUID, staff_id: uuid.UUID) -> frozenset[uuid.UUID]:
        repo = StaffRepository(session, tenant_id)
        staff = await repo.get(staff_id)
        if staff is None or not staff.is_active:
            return frozenset()
        return frozenset((await repo.library_ids([staff.id]))[staff.id])

    return branches


viewer_with = scope_dependencies(Viewer, _staff_branches)

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
