"""Who may see and do what: the owner every branch, staff their branches, a student itself,
and a door display device only its one library's code.

A library of another branch (or tenant) is answered as if it did not exist (404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from studyspot.kit.auth import Principal
from studyspot.kit.errors import Forbidden
from studyspot.kit.permissions import UserType
from studyspot.services.attendance.errors import LibraryNotFound


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    tenant_id: uuid.UUID
    # None: every branch (the owner). Staff: the branches they are assigned to.
    library_ids: frozenset[uuid.UUID] | None
    # Set for a student, who acts and reads only for itself.
    self_student_id: uuid.UUID | None = None

    @property
    def user_id(self) -> uuid.UUID:
        return self.principal.user_id

    @property
    def is_student(self) -> bool:
        return self.self_student_id is not None

    def require_student(self) -> uuid.UUID:
        if self.self_student_id is None:
            raise Forbidden("Only a student checks itself in", code="permission_denied")
        return self.self_student_id

    def require_staff_side(self) -> None:
        if self.is_student:
            raise Forbidden("Only the library's staff can do this", code="permission_denied")

    def can_see_library(self, library_id: uuid.UUID) -> bool:
        return not self.is_student and (self.library_ids is None or library_id in self.library_ids)

    def require_library(self, library_id: uuid.UUID) -> None:
        self.require_staff_side()
        if not self.can_see_library(library_id):
            raise LibraryNotFound()

    def can_see_student_record(self, library_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        if self.self_student_id is not None:
            return student_id == self.self_student_id
        return self.can_see_library(library_id)

    def audit_actor(self) -> dict[str, object]:
        return {
            "tenant_id": self.tenant_id,
            "actor_id": self.principal.user_id,
            "actor_type": self.principal.user_type,
        }


def viewer_of(principal: Principal, staff_branches: frozenset[uuid.UUID] | None) -> Viewer:
    tenant_id = principal.require_tenant()
    if principal.user_type == UserType.library_owner:
        return Viewer(principal, tenant_id, None)
    if principal.user_type == UserType.student:
        return Viewer(principal, tenant_id, frozenset(), self_student_id=principal.user_id)
    if principal.user_type == UserType.library_staff:
        return Viewer(principal, tenant_id, staff_branches or frozenset())
    return Viewer(principal, tenant_id, frozenset())


@dataclass(frozen=True)
class Display:
    """A door tablet: its tenant, its one library, nothing else."""

    device_id: uuid.UUID
    tenant_id: uuid.UUID
    library_id: uuid.UUID
