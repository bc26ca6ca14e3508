"""The services attendance asks: booking (who holds a place when) and library (staff branches,
whether a library exists). Calls are made before a unit of work begins its transaction,
never inside one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import end_reads
from studyspot.kit.settings import Settings
from studyspot.services.booking.client import AttendanceBooking, BookingClient
from studyspot.services.library.client import LibraryClient, LibraryRecord

__all__ = ["AttendanceBooking", "LibraryRecord", "Upstream"]


@dataclass
class Upstream:
    booking: BookingClient
    library: LibraryClient

    @classmethod
    def create(cls, settings: Settings) -> Upstream:
        return cls(
            BookingClient(settings, caller="attendance"),
            LibraryClient(settings, caller="attendance"),
        )

    async def close(self) -> None:
        await self.booking.close()
        await self.library.close()

    async def find_library(
        self, tenant_id: uuid.UUID, library_id: uuid.UUID
    ) -> LibraryRecord | None:
        return await self.library.get_library(tenant_id, library_id)

    async def bookings(
        self,
        tenant_id: uuid.UUID,
        first: date,
        last: date,
        *,
        library_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
    ) -> list[AttendanceBooking]:
        return await self.booking.attendance_bookings(
            tenant_id, first, last, library_id=library_id, student_id=student_id
        )

    async def student_bookings_in(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        library_id: uuid.UUID,
        student_id: uuid.UUID,
        first: date,
        last: date,
    ) -> list[AttendanceBooking]:
        """The student's bookings of the library, from the library's whole list kept while
        the library's booking counter, read in `session` (which has not written yet), still
        names it; else the session's transaction ends there, the list is asked for and
        kept, and the session's next statement begins another. A door check-in is then one
        process's work while no booking of the library changes (the 06:00 rush)."""
        found = await self.booking.library_bookings_if_current(
            session, tenant_id, library_id, first, last
        )
        if found is None:
            await end_reads(session)
            found = await self.booking.library_bookings(tenant_id, library_id, first, last)
        return [b for b in found if b.student_id == student_id]
