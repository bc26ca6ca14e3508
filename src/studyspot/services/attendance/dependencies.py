"""Typed dependencies of the attendance routes: who is asking, and the runtime."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from studyspot.kit.auth import current_principal
from studyspot.kit.errors import Forbidden, Unauthorized
from studyspot.kit.scope import StaffBranches, resolve, scope_dependencies
from studyspot.services.attendance import devices
from studyspot.services.attendance.access import Display, Viewer
from studyspot.services.attendance.runtime import Runtime, request_runtime

RuntimeDep = Annotated[Runtime, Depends(request_runtime)]


async def _staff_branches(runtime: RuntimeDep) -> StaffBranches:
    return runtime.upstream.library.staff_library_ids


viewer_with = scope_dependencies(Viewer, _staff_branches)

AttendanceRead = Annotated[Viewer, Depends(viewer_with("attendance:read", "attendance:read:self"))]
AttendanceSelf = Annotated[Viewer, Depends(viewer_with("attendance:create:self"))]
AttendanceDesk = Annotated[Viewer, Depends(viewer_with("attendance:create"))]
AttendanceDeskRead = Annotated[Viewer, Depends(viewer_with("attendance:read"))]
# Display devices and settings: the owner (attendance:* covers it), not desk staff.
AttendanceManage = Annotated[Viewer, Depends(viewer_with("attendance:manage"))]

_bearer = HTTPBearer(auto_error=False, description="Access token from a login")


async def viewer_or_display(
    request: Request,
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    display_key: Annotated[
        str | None,
        Header(
            alias="X-Display-Key",
            max_length=200,
            description="A door display's key (instead of a staff login)",
        ),
    ] = None,
) -> Viewer | Display:
    """Staff with `attendance:read`, or a display device by its key."""
    if display_key is not None:
        return await devices.authenticate(runtime, display_key)
    if credentials is None:
        raise Unauthorized(
            "A bearer access token or X-Display-Key is required", code="missing_token"
        )
    principal = await current_principal(request, credentials)
    if not principal.can("attendance:read"):
        raise Forbidden("Missing permission attendance:read", code="permission_denied")
    return await resolve(Viewer, principal, runtime.upstream.library.staff_library_ids)


StaffOrDisplay = Annotated[Viewer | Display, Depends(viewer_or_display)]
