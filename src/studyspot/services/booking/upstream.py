"""The services the booking service asks: library (catalog, plans, staff) and student.

Every call goes through the callee's client module, before the booking's unit of
work runs its first statement (kit.service_client refuses one made inside it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import end_reads
from studyspot.kit.settings import Settings
from studyspot.services.booking.errors import (
    FeePlanNotFound,
    LibraryNotFound,
    StudentNotFound,
)
from studyspot.services.library.client import (
    CatalogSeat,
    FeePlanRecord,
    LibraryCatalog,
    LibraryClient,
)
from studyspot.services.student.client import InternalStudent, StudentClient

# The other services' contract types the booking rules work with, named here so
# that only this module imports their clients.
__all__ = ["CatalogSeat", "FeePlanRecord", "InternalStudent", "LibraryCatalog", "Upstream"]


@dataclass
class Upstream:
    library: LibraryClient
    students: StudentClient

    @classmethod
    def create(cls, settings: Settings) -> Upstream:
        return cls(
            LibraryClient(settings, caller="booking"),
            StudentClient(settings, caller="booking"),
        )

    async def close(self) -> None:
        await self.library.close()
        await self.students.close()

    async def catalog(
        self,
        tenant_id: uuid.UUID,
        library_id: uuid.UUID,
        session: AsyncSession | None = None,
    ) -> LibraryCatalog:
        """`session`: a unit of work that has not written yet, where the kept catalog is
        checked first; when it is not current, the session's transaction ends there (its
        next statement begins another) and the library service is asked."""
        if session is not None:
            kept = await self.library.catalog_if_current(session, tenant_id, library_id)
            if kept is not None:
                return kept
            await end_reads(session)
        found = await self.library.get_catalog(tenant_id, library_id)
        if found is None:
            raise LibraryNotFound()
        return found

    async def fee_plan(
        self,
        tenant_id: uuid.UUID,
        fee_plan_id: uuid.UUID,
        catalog: LibraryCatalog | None = None,
        session: AsyncSession | None = None,
    ) -> FeePlanRecord:
        """The plan as `catalog` carries it (the plans offered at its library); asked of
        the library service when it is another library's, so that the caller can say so
        (`session`, which has only read, first ends its transaction)."""
        offered = catalog.fee_plan(fee_plan_id) if catalog is not None else None
        if offered is not None:
            return offered
        if session is not None:
            await end_reads(session)
        found = await self.library.get_fee_plan(tenant_id, fee_plan_id)
        if found is None:
            raise FeePlanNotFound()
        return found

    async def mark_plan_sold(self, plan: FeePlanRecord, session: AsyncSession) -> None:
        """Once per plan: from then on the library refuses to delete it. `session` has
        only read so far (its transaction ends first when the library is asked)."""
        if plan.used_at is None:
            await end_reads(session)
            await self.library.mark_fee_plan_used(plan.tenant_id, plan.id)

    async def student(self, tenant_id: uuid.UUID, student_id: uuid.UUID) -> InternalStudent:
        found = await self.students.get_student(tenant_id, student_id)
        if found is None or found.erased:
            raise StudentNotFound()
        return found
