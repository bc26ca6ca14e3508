"""`GET /api/v1/bookings/availability`: a library's seat map for a period and a time of day."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from studyspot.services.booking.schemas.common import LocalTime, SeatKind, WindowEnd

SeatState = Literal["free", "held", "booked", "maintenance"]


class SeatAvailability(BaseModel):
    seat_id: uuid.UUID
    label: str = Field(max_length=16)
    seat_type: Literal["standard", "ac", "cabin", "laptop_friendly"]
    zone: str | None = Field(max_length=60)
    floor: int | None
    row: int | None = Field(ge=1, le=500, description="Row on the seat map")
    column: int | None = Field(ge=1, le=500, description="Column on the seat map")
    state: SeatState = Field(
        description="booked: paid for some of that time; held: awaiting payment; "
        "free: bookable for the whole period"
    )


class FloatingCapacity(BaseModel):
    seat_type: SeatKind = Field(description="any: every usable seat of the library")
    capacity: int = Field(ge=0, description="Usable seats of this kind")
    left: int = Field(ge=0, description="Floating places still free at the busiest minute")


class StateCounts(BaseModel):
    free: int = Field(ge=0)
    held: int = Field(ge=0)
    booked: int = Field(ge=0)
    maintenance: int = Field(ge=0)


class Availability(BaseModel):
    library_id: uuid.UUID
    start_date: date
    end_date: date
    shift_id: uuid.UUID | None
    window_start: LocalTime
    window_end: WindowEnd
    crosses_midnight: bool
    seats: list[SeatAvailability]
    counts: StateCounts
    floating: list[FloatingCapacity]
