"""Who sees which branches: the owner all, staff their assigned ones, students the open ones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.scope import Scope
from studyspot.services.library.errors import BranchForbidden, LibraryNotFound, StaffSideOnly
from studyspot.services.library.models import Library


@dataclass(frozen=True)
class Viewer(Scope):
    @property
    def visible_library_ids(self) -> frozenset[uuid.UUID] | None:
        """The branches this viewer lists: a student every (open) one, staff their own."""
        return None if self.is_student else self.library_ids

    def can_see(self, library_id: uuid.UUID) -> bool:
        return self.is_student or self.in_branches(library_id)

    def check_library(self, library: Library | None) -> Library:
        """The library if this viewer may see it: unknown → 404, another branch → 403."""
        if library is None or (self.is_student and library.status != "active"):
            raise LibraryNotFound()
        if not self.can_see(library.id):
            raise BranchForbidden()
        return library

    def require_all_branches(self, what: str) -> None:
        """Tenant-wide changes (a plan for every library) are the owner's."""
        if self.library_ids is not None:
            raise BranchForbidden(f"Only the owner can {what}")

    def require_staff_side(self) -> None:
        if self.is_student:
            raise StaffSideOnly()

    async def record(
        self,
        session: AsyncSession,
        action: str,
        resource_type: str,
        resource_id: object,
        details: dict[str, Any] | None = None,
    ) -> None:
        """An audit entry by this viewer, in the request's transaction."""
        await audit.record(
            session,
            action,
            resource_type,
            resource_id,
            **self.audit_actor(),
            details=details,
        )
