"""Typed dependencies of the booking routes: who is asking, and the service's runtime."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from studyspot.kit.scope import StaffBranches, scope_dependencies
from studyspot.services.booking.access import Viewer
from studyspot.services.booking.runtime import Runtime, request_runtime

RuntimeDep = Annotated[Runtime, Depends(request_runtime)]


async def _staff_branches(runtime: RuntimeDep) -> StaffBranches:
    return runtime.upstream.library.staff_library_ids


viewer_with = scope_dependencies(Viewer, _staff_branches)

BookingsRead = Annotated[Viewer, Depends(viewer_with("bookings:read", "bookings:read:self"))]
BookingsCreate = Annotated[Viewer, Depends(viewer_with("bookings:create", "bookings:create:self"))]
BookingsUpdate = Annotated[Viewer, Depends(viewer_with("bookings:update"))]
BookingsCancel = Annotated[Viewer, Depends(viewer_with("bookings:cancel", "bookings:cancel:self"))]
AvailabilityRead = Annotated[
    Viewer,
    Depends(viewer_with("bookings:read", "bookings:read:self", "bookings:create:self")),
]
