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

from studyspot.kit.auth import CurrentPrincipal, Principal
from studyspot.kit.errors import NotFound
from studyspot.kit.permissions import UserType
from studyspot.services.message.upstream import InternalStudent, LibraryClient, StudentClient


class StudentNotFound(NotFound):
    code = "student_not_found"


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    tenant_id: uuid.UUID
    # None: every branch of the tenant (the owner). Staff: their assigned branches.
    library_ids: frozenset[uuid.UUID] | None

    @property
    def every_branch(self) -> bool:
        return self.library_ids is None

    def can_see_library(self, library_id: uuid.UUID) -> bool:
        return self.library_ids is None or library_id in self.library_ids

    def can_see(self, student: InternalStudent | None) -> bool:
        return student is not None and self.can_see_library(student.home_library_id)


async def viewer_of(principal: Principal, library: LibraryClient) -> Viewer:
    tenant_id = principal.require_tenant()
    if principal.user_type in (UserType.library_owner, UserType.platform_admin):
        return Viewer(principal, tenant_id, None)
    if principal.user_type == UserType.library_staff:
        staff = await library.get_staff(tenant_id, principal.user_id)
        if staff is None or not staff.is_active:
            return Viewer(principal, tenant_id, frozenset())
        return Viewer(principal, tenant_id, frozenset(staff.library_ids))
    # A student (or anyone else): no branch; it acts on itself only.
    return Viewer(principal, tenant_id, frozenset())


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
    return await viewer_of(principal, library)


ViewerDep = Annotated[Viewer, Depends(_viewer)]
