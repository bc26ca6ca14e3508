"""Who sees which bookings: the owner every branch, staff their branches, a student its own.

A booking of a branch the caller does not work at is answered like one that
does not exist (404), as is another tenant's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from studyspot.kit.errors import Forbidden, Unprocessable
from studyspot.kit.scope import Scope


@dataclass(frozen=True)
class Viewer(Scope):
    def can_see_library(self, library_id: uuid.UUID) -> bool:
        # A student books at any branch of its tenant.
        return self.is_student or self.in_branches(library_id)

    def can_see(self, library_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        if self.student_id is not None:
            return student_id == self.student_id
        return self.can_see_library(library_id)

    def student_for(self, requested: uuid.UUID | None) -> uuid.UUID:
        """The student a booking is for: a student itself; for staff the one named."""
        if self.student_id is not None:
            if requested is not None and requested != self.student_id:
                raise Forbidden("Students book only for themselves", code="permission_denied")
            return self.student_id
        if requested is None:
            raise Unprocessable(
                "Name the student", errors=[{"field": "body.student_id", "message": "required"}]
            )
        return requested

    def require_staff_side(self) -> None:
        if self.is_student:
            raise Forbidden("Only the library's staff can do this", code="permission_denied")
