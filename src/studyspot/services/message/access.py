"""Who may name which students: the owner all of them, branch staff their branches.

Consent, broadcasts and whatever else in this service names a student by id is
limited like the student service limits its own records: an owner acts on every
student of the tenant, a manager or clerk only on students whose home library is
one of their branches (the library service's assignment), a student only on
itself. A student of another branch is answered exactly like one that does not
exist (404 `student_not_found`), so a clerk cannot learn who studies elsewhere.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from studyspot.kit.auth import CurrentPrincipal
from studyspot.kit.errors import NotFound
from studyspot.kit.scope import Scope, resolve
from studyspot.services.message.upstream import InternalStudent, LibraryClient, StudentClient


class StudentNotFound(NotFound):
    code = "student_not_found"


@dataclass(frozen=True)
class Viewer(Scope):
    def can_see(self, student: InternalStudent | None) -> bool:
        return student is not None and self.in_branches(student.home_library_id)


async def require_person(viewer: Viewer, students: StudentClient, user_id: uuid.UUID) -> None:
    """404 unless `viewer` may act for `user_id`: itself, anyone (the owner), or a
    student of one of its branches."""
    if viewer.every_branch or user_id == viewer.principal.user_id:
        return
    if not viewer.can_see(await students.get_student(viewer.tenant_id, user_id)):
        raise StudentNotFound("No such student")


def visible(
    viewer: Viewer, found: dict[uuid.UUID, InternalStudent | None]
) -> dict[uuid.UUID, InternalStudent | None]:
    """`found` with the students of other branches answered as unknown (None)."""
    return {sid: s if viewer.can_see(s) else None for sid, s in found.items()}


async def _viewer(request: Request, principal: CurrentPrincipal) -> Viewer:
    library: LibraryClient = request.app.state.message.library
    return await resolve(Viewer, principal, library.staff_library_ids)


ViewerDep = Annotated[Viewer, Depends(_viewer)]
