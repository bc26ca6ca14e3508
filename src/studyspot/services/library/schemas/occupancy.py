"""`GET /api/v1/libraries/realtime-occupancy`: what is known now, and what cannot be known yet."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from studyspot.services.library.times import HHMM_OR_24_PATTERN, HHMM_PATTERN

SourceState = Literal["live", "unavailable"]


class OccupancySources(BaseModel):
    """Where each count comes from. `unavailable`: that service is not deployed, so its
    counts are null; they are never estimated."""

    seats: SourceState
    bookings: SourceState
    attendance: SourceState


class Counts(BaseModel):
    seats_total: int = Field(ge=0)
    under_maintenance: int = Field(ge=0)
    booked: int | None = Field(ge=0, description="null while the booking service is unavailable")
    checked_in_now: int | None = Field(
        ge=0, description="null while the attendance service is unavailable"
    )
    free: int | None = Field(
        ge=0,
        description="Seats neither booked nor under maintenance; null when bookings are unknown",
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
