"""Who may see which students: the owner all of them, branch staff their branches, a student itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from studyspot.kit.errors import Forbidden
from studyspot.kit.scope import Scope
from studyspot.services.student.errors import BranchForbidden


@dataclass(frozen=True)
class Viewer(Scope):
    def can_see_library(self, library_id: uuid.UUID) -> bool:
        return self.in_branches(library_id)

    def require_library(self, library_id: uuid.UUID) -> None:
        if not self.can_see_library(library_id):
            raise BranchForbidden()

    def narrowed(self, library_id: uuid.UUID | None) -> frozenset[uuid.UUID] | None:
        """The branches a list covers: the one asked for (if allowed) or all visible ones."""
        if library_id is None:
            return self.library_ids
        self.require_library(library_id)
        return frozenset({library_id})

    def require_staff_side(self) -> None:
        if self.student_id is not None:
            raise Forbidden("Students can only read their own record", code="permission_denied")
