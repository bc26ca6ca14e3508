"""The attendance service's client: the only module other services import.

The student service reads a student's attendance history; the library service reads how
many are checked in now (realtime occupancy). The contract types live here.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from studyspot.kit.service_client import ServiceClient

MAX_OCCUPANCY_LIBRARIES = 500


class AttendanceEntry(BaseModel):
    """One day's attendance of a student: in and out (null while in), or a no-show."""

    id: uuid.UUID
    kind: Literal["attendance", "no_show"]
    library_id: uuid.UUID
    booking_id: uuid.UUID
    shift_id: uuid.UUID | None
    seat_id: uuid.UUID | None
    day: date
    shift_starts_at: datetime
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    late: bool
    minutes_present: int | None = Field(ge=0)


class AttendanceHistory(BaseModel):
    items: list[AttendanceEntry]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    page_size: int = Field(ge=1, le=200)
    no_shows: int = Field(ge=0, description="No-shows of this student in all time")


class ShiftCheckedIn(BaseModel):
    shift_id: uuid.UUID | None
    checked_in: int = Field(ge=0)


class LibraryCheckedIn(BaseModel):
    library_id: uuid.UUID
    checked_in: int = Field(ge=0, description="Students checked in now (not yet out)")
    shifts: list[ShiftCheckedIn]


class CheckedInNow(BaseModel):
    libraries: list[LibraryCheckedIn]

    def of(self, library_id: uuid.UUID) -> LibraryCheckedIn | None:
        return next((lib for lib in self.libraries if lib.library_id == library_id), None)


class AttendanceClient(ServiceClient):
    service = "attendance"

    async def student_history(
        self, tenant_id: uuid.UUID, student_id: uuid.UUID, page: int, page_size: int
    ) -> AttendanceHistory:
        """Newest day first. ServiceUnavailable when the attendance service cannot answer."""
        reply = await self.call(
            "GET",
            f"/internal/attendance/students/{student_id}",
            params={"tenant_id": str(tenant_id), "page": str(page), "page_size": str(page_size)},
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return AttendanceHistory.model_validate(reply.json())

    async def checked_in_now(
        self, tenant_id: uuid.UUID, library_ids: list[uuid.UUID]
    ) -> CheckedInNow:
        reply = await self.call(
            "GET",
            "/internal/attendance/checked-in",
            params={"tenant_id": str(tenant_id), "library_ids": ",".join(map(str, library_ids))},
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return CheckedInNow.model_validate(reply.json())
