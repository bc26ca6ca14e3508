"""Typed dependencies of the booking routes: who is asking, and the service's runtime."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends

from studyspot.kit.auth import Principal, require_any_permission
from studyspot.kit.permissions import UserType
from studyspot.services.booking.access import Viewer, viewer_of
from studyspot.services.booking.runtime import Runtime, request_runtime

RuntimeDep = Annotated[Runtime, Depends(request_runtime)]


def viewer_with(*permissions: str) -> Callable[..., Coroutine[Any, Any, Viewer]]:
    """The caller as a Viewer, if it holds one of `permissions` (403 otherwise)."""
    checked = require_any_permission(*permissions)

    # A default rather than Annotated: the closure's `checked` is not visible to
    # FastAPI when it resolves postponed annotations.
    async def _viewer(runtime: RuntimeDep, principal: Principal = Depends(checked)) -> Viewer:
        branches = None
        if principal.user_type == UserType.library_staff and principal.tenant_id is not None:
            branches = await runtime.upstream.staff_library_ids(
                principal.tenant_id, principal.user_id
            )
        return viewer_of(principal, branches)

    _viewer.__name__ = "viewer_" + "_or_".join(p.replace(":", "_") for p in permissions)
    return _viewer


BookingsRead = Annotated[Viewer, Depends(viewer_with("bookings:read", "bookings:read:self"))]
BookingsCreate = Annotated[Viewer, Depends(viewer_with("bookings:create", "bookings:create:self"))]
BookingsUpdate = Annotated[Viewer, Depends(viewer_with("bookings:update"))]
BookingsCancel = Annotated[Viewer, Depends(viewer_with("bookings:cancel", "bookings:cancel:self"))]
AvailabilityRead = Annotated[
    Viewer,
    Depends(viewer_with("bookings:read", "bookings:read:self", "bookings:create:self")),
]
