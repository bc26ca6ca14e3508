"""Typed dependencies of the student routes: who is asking, and the upstream clients."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request

from studyspot.kit.auth import Principal, require_any_permission
from studyspot.kit.permissions import UserType
from studyspot.services.student.access import Viewer
from studyspot.services.student.importing import RegisterReader
from studyspot.services.student.upstream import Upstream


# async: FastAPI runs a plain `def` dependency in a worker thread, a hop per request.
async def get_upstream(request: Request) -> Upstream:
    upstream: Upstream = request.app.state.student_upstream
    return upstream


UpstreamDep = Annotated[Upstream, Depends(get_upstream)]


async def get_register_reader(request: Request) -> RegisterReader:
    reader: RegisterReader = request.app.state.student_register_reader
    return reader


RegisterReaderDep = Annotated[RegisterReader, Depends(get_register_reader)]


def viewer_with(*permissions: str) -> Callable[..., Coroutine[Any, Any, Viewer]]:
    """The caller as a Viewer, if it holds one of `permissions` (403 otherwise)."""
    checked = require_any_permission(*permissions)

    # A default rather than Annotated: the closure's `checked` is not visible to
    # FastAPI when it resolves postponed annotations.
    async def _viewer(upstream: UpstreamDep, principal: Principal = Depends(checked)) -> Viewer:
        tenant_id = principal.require_tenant()
        if principal.user_type == UserType.library_owner:
            return Viewer(principal, tenant_id, None)
        if principal.user_type == UserType.student:
            return Viewer(principal, tenant_id, frozenset(), self_student_id=principal.user_id)
        if principal.user_type == UserType.library_staff:
            branches = await upstream.staff_library_ids(tenant_id, principal.user_id)
            return Viewer(principal, tenant_id, branches)
        # Platform users act on tenants through the tenant service, not here.
        return Viewer(principal, tenant_id, frozenset())

    _viewer.__name__ = "viewer_" + "_or_".join(p.replace(":", "_") for p in permissions)
    return _viewer


StudentsRead = Annotated[Viewer, Depends(viewer_with("students:read"))]
StudentOrSelfRead = Annotated[Viewer, Depends(viewer_with("students:read", "profile:read"))]
# Money is the payment service's to grant: the permissions its own payment reads take
# (a student holds `payments:read:self`; `Viewer` then limits it to its own record).
StudentOrSelfPaymentsRead = Annotated[
    Viewer, Depends(viewer_with("payments:read", "payments:read:self"))
]
StudentsCreate = Annotated[Viewer, Depends(viewer_with("students:create"))]
StudentsUpdate = Annotated[Viewer, Depends(viewer_with("students:update"))]
StudentsDelete = Annotated[Viewer, Depends(viewer_with("students:delete"))]
StudentsInvite = Annotated[Viewer, Depends(viewer_with("students:invite"))]
StudentsImport = Annotated[Viewer, Depends(viewer_with("students:import"))]
StudentsExport = Annotated[Viewer, Depends(viewer_with("students:export"))]
