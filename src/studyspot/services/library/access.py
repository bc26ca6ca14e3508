"""Who sees which branches: the owner all, staff their assigned ones, students the open ones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.auth import Principal
from studyspot.kit.permissions import UserType
from studyspot.services.library.errors import BranchForbidden, LibraryNotFound, StaffSideOnly
from studyspot.services.library.models import Library


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    tenant_id: uuid.UUID
    # None: every branch of the tenant. Staff: the branches they are assigned to.
    library_ids: frozenset[uuid.UUID] | None

    @property
    def user_id(self) -> uuid.UUID:
        return self.principal.user_id

    @property
    def is_owner(self) -> bool:
        return self.principal.user_type == UserType.library_owner

    @property
    def is_student(self) -> bool:
        return self.principal.user_type == UserType.student

    def can_see(self, library_id: uuid.UUID) -> bool:
        return self.library_ids is None or library_id in self.library_ids

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
            tenant_id=self.tenant_id,
            actor_id=self.user_id,
            actor_type=self.principal.user_type,
            details=details,
        )
