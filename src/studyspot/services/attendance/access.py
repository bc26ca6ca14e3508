"""Who may see and do what: the owner every branch, staff their branches, a student itself,
and a door display device only its one library's code.

A library of another branch (or tenant) is answered as if it did not exist (404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from studyspot.kit.errors import Forbidden
from studyspot.kit.scope import Scope
from studyspot.services.attendance.errors import LibraryNotFound


@dataclass(frozen=True)
class Viewer(Scope):
    def require_student(self) -> uuid.UUID:
        if self.student_id is None:
            raise Forbidden("Only a student checks itself in", code="permission_denied")
        return self.student_id

    def require_staff_side(self) -> None:
        if self.is_student:
            raise Forbidden("Only the library's staff can do this", code="permission_denied")

    def can_see_library(self, library_id: uuid.UUID) -> bool:
        return not self.is_student and self.in_branches(library_id)

    def require_library(self, library_id: uuid.UUID) -> None:
        self.require_staff_side()
        if not self.can_see_library(library_id):
            raise LibraryNotFound()

    def can_see_student_record(self, library_id: uuid.UUID, student_id: uuid.UUID) -> bool:
        if self.student_id is not None:
            return student_id == self.student_id
        return self.can_see_library(library_id)


@dataclass(frozen=True)
class Display:
    """A door tablet: its tenant, its one library, nothing else."""

    device_id: uuid.UUID
    tenant_id: uuid.UUID
    library_id: uuid.UUID
