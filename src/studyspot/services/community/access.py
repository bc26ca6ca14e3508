"""Who may see and do what in the community service, on top of `kit.scope.Scope`.

- A student: itself (joins, posts, writes to its library).
- The owner: every branch; staff: the branches the library service assigns them. A group
  or conversation of a branch they do not reach is answered as if it did not exist (404).
- Moderating a group (remove, pin, mute, block, invite links) needs `communities:moderate`
  and the group's library among the caller's branches.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from studyspot.kit.permissions import UserType
from studyspot.kit.scope import Scope
from studyspot.services.community.errors import LibrarySideOnly, StudentsOnly

LIBRARY_SIDE = (UserType.library_owner, UserType.library_staff)


@dataclass(frozen=True)
class Viewer(Scope):
    @property
    def is_library_side(self) -> bool:
        return self.principal.user_type in LIBRARY_SIDE

    def require_student(self) -> uuid.UUID:
        if self.student_id is None:
            raise StudentsOnly()
        return self.student_id

    def require_library_side(self) -> None:
        if not self.is_library_side:
            raise LibrarySideOnly()

    def reaches(self, library_id: uuid.UUID) -> bool:
        """An owner or staff member of this branch."""
        return self.is_library_side and self.in_branches(library_id)

    def moderates(self, library_id: uuid.UUID) -> bool:
        return self.reaches(library_id) and self.principal.can("communities:moderate")
