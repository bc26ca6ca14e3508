"""`GET /api/v1/libraries/realtime-occupancy`: what is known now, and what cannot be known yet."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from studyspot.services.library.times import HHMM_OR_24_PATTERN, HHMM_PATTERN

SourceState = Literal["live", "unavailable"]


class OccupancySources(BaseModel):
    """Where each count comes from. `live`: asked just now. `unavailable`: that service could
    not answer (unreachable, failing or too slow), so
    its counts are null; they are never estimated."""

    seats: SourceState = Field(description="This service's own seats: always live")
    bookings: SourceState = Field(
        description="`booked` and `free`: live from the booking service, or unavailable"
    )
    attendance: SourceState = Field(
        description="`checked_in_now`: live from the attendance service, or unavailable"
    )


class Counts(BaseModel):
    seats_total: int = Field(ge=0)
    under_maintenance: int = Field(ge=0)
    booked: int | None = Field(
        ge=0,
        description=(
            "Seats held by a booking (confirmed, active, or a payment hold not run out): each "
            "reserved seat once, plus the most floating places in use at once. For a library, "
            "at this minute; for a shift, during its occurrence running now or else today's "
            "(a full-day booking counts in every shift). Null when `sources.bookings` is "
            "unavailable"
        ),
    )
    checked_in_now: int | None = Field(
        ge=0,
        description=(
            "Students checked in and not yet out (for a shift: those who checked in to it); "
            "null when `sources.attendance` is unavailable"
        ),
    )
    free: int | None = Field(
        ge=0,
        description=(
            "Seats not under maintenance that no booking holds (never below 0); null when "
            "`sources.bookings` is unavailable"
        ),
    )


class ShiftOccupancy(Counts):
    shift_id: uuid.UUID
    name: str = Field(max_length=60)
    start_time: str = Field(pattern=HHMM_PATTERN)
    end_time: str = Field(pattern=HHMM_OR_24_PATTERN)
    is_full_day: bool
    is_current: bool = Field(description="The shift is running now in the library's local time")


class LibraryOccupancy(Counts):
    library_id: uuid.UUID
    name: str = Field(max_length=120)
    status: Literal["active", "closed"]
    timezone: str = Field(max_length=64)
    local_time: str = Field(pattern=HHMM_PATTERN, description="Now, in the library's time zone")
    shifts: list[ShiftOccupancy]


class OccupancyReport(BaseModel):
    generated_at: datetime
    sources: OccupancySources
    libraries: list[LibraryOccupancy]
