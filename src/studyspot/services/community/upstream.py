"""The services the community service asks: booking (does a student hold a place at a
library) and library (staff branches, whether a library exists). Calls are made before a
unit of work opens, never inside one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from studyspot.kit.settings import Settings
from studyspot.services.booking.client import BookingClient
from studyspot.services.library.client import LibraryClient, LibraryRecord

# "Current": a booking holding a place on a day from today to this many days on (the
# booking service's own answer; at most the 7 days its internal route reads at once).
CURRENT_DAYS = 7


@dataclass
class Upstream:
    booking: BookingClient
    library: LibraryClient

    @classmethod
    def create(cls, settings: Settings) -> Upstream:
        return cls(
            BookingClient(settings, caller="community"),
            LibraryClient(settings, caller="community"),
        )

    async def close(self) -> None:
        await self.booking.close()
        await self.library.close()

    async def find_library(
        self, tenant_id: uuid.UUID, library_id: uuid.UUID
    ) -> LibraryRecord | None:
        return await self.library.get_library(tenant_id, library_id)

    async def holds_place(
        self, tenant_id: uuid.UUID, library_id: uuid.UUID, student_id: uuid.UUID, now: datetime
    ) -> bool:
        """Whether the student holds a place at the library (a confirmed or active booking,
        as the booking service answers) on a day from its local today to CURRENT_DAYS on.

        The window is asked in UTC dates one day early (so that every time zone's today is
        in it) and then cut at each booking's own local today."""
        first = now.date() - timedelta(days=1)
        bookings = await self.booking.attendance_bookings(
            tenant_id,
            first,
            first + timedelta(days=CURRENT_DAYS - 1),
            library_id=library_id,
            student_id=student_id,
        )
        return any(b.end_date >= _local_today(now, b.timezone) for b in bookings)


def _local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()
