"""Typed dependencies of the student routes: who is asking, and the upstream clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from studyspot.kit.scope import StaffBranches, scope_dependencies
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


async def _staff_branches(upstream: UpstreamDep) -> StaffBranches:
    return upstream.library.staff_library_ids


viewer_with = scope_dependencies(Viewer, _staff_branches)

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
