"""Who sees which bookings: the owner every branch, staff their branches, a student its own.

A booking of a branch the caller does not work at is answered like one that
does not exist (404), as is another tenant's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from studyspot.kit.auth import Principal
from studyspot.kit.errors import Forbidden, Unprocessable
from studyspot.kit.permissions import UserType


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    tenant_id: uuid.UUID
    # None: every branch of the tenant (the owner). Staff: the branches they are assigned to.
    library_ids: frozenset[uuid.UUID] | None
    # Set for a student, who sees and books only for itself.
    self_student_id: uuid.UUID | None = None

    @property
    def user_id(self) -> uuid.UUID:
        return self.principal.user_id

    @property
    def is_student(self) -> bool:
        return self.self_student_id is not None

    def can_see_library(self, library_id: uuid.UUID) -> bool:
        if self.is_student:
            return True
        return self.library_ids is None or library_id in self.library_ids

    def can_see(self, library_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        if self.self_student_id is not None:
            return student_id == self.self_student_id
        return self.can_see_library(library_id)

    def student_for(self, requested: uuid.UUID | None) -> uuid.UUID:
        """The student a booking is for: a student itself; for staff the one named."""
        if self.self_student_id is not None:
            if requested is not None and requested != self.self_student_id:
                raise Forbidden("Students book only for themselves", code="permission_denied")
            return self.self_student_id
        if requested is None:
            raise Unprocessable(
                "Name the student", errors=[{"field": "body.student_id", "message": "required"}]
            )
        return requested

    def require_staff_side(self) -> None:
        if self.is_student:
            raise Forbidden("Only the library's staff can do this", code="permission_denied")

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
    # Platform users act on tenants through the tenant service, not here.
    return Viewer(principal, tenant_id, frozenset())
