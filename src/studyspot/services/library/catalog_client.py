"""The library catalog as the booking service needs it: one library with its seats and shifts.

The contract types of `GET /internal/libraries/{id}/catalog` live here, next
to the client, so caller and callee validate the same shapes. The client
extends `LibraryClient`, so a caller also gets fee plans and staff from it;
like `client.py` this module imports nothing else of the library service.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from studyspot.services.library.client import LibraryClient

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM_OR_24 = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
CatalogSeatType = Literal["standard", "ac", "cabin", "laptop_friendly"]


class CatalogSeat(BaseModel):
    id: uuid.UUID
    label: str = Field(max_length=16)
    seat_type: CatalogSeatType
    status: Literal["active", "maintenance"]
    zone: str | None = Field(max_length=60)
    floor: int | None
    row: int | None = Field(ge=1, le=500)
    column: int | None = Field(ge=1, le=500)


class CatalogShift(BaseModel):
    id: uuid.UUID
    name: str = Field(max_length=60)
    start_time: str = Field(pattern=HHMM)
    end_time: str = Field(pattern=HHMM_OR_24, description="24:00 only for a full day")
    is_full_day: bool


class SeatTypeCount(BaseModel):
    seat_type: CatalogSeatType
    active: int = Field(ge=0, description="Seats of this kind not under maintenance")
    maintenance: int = Field(ge=0)


class LibraryCatalog(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str = Field(max_length=120)
    status: Literal["active", "closed"]
    timezone: str = Field(max_length=64)
    state: str = Field(max_length=64)
    seats: list[CatalogSeat] = Field(
        description="Every seat (map order), or only the one asked for with ?seat_id="
    )
    shifts: list[CatalogShift]
    seat_counts: list[SeatTypeCount] = Field(description="Always over every seat of the library")

    def seat(self, seat_id: uuid.UUID) -> CatalogSeat | None:
        return next((s for s in self.seats if s.id == seat_id), None)

    def shift(self, shift_id: uuid.UUID) -> CatalogShift | None:
        return next((s for s in self.shifts if s.id == shift_id), None)

    def active_seats(self, seat_type: str | None = None) -> int:
        """Seats not under maintenance, of one kind or (None) of every kind."""
        return sum(c.active for c in self.seat_counts if seat_type in (None, c.seat_type))


class LibraryCatalogClient(LibraryClient):
    service = "library"

    async def get_catalog(
        self, tenant_id: uuid.UUID, library_id: uuid.UUID, *, seat_id: uuid.UUID | None = None
    ) -> LibraryCatalog | None:
        """The library with its seats and shifts, or None when the tenant has no such library."""
        params = {"tenant_id": str(tenant_id)}
        if seat_id is not None:
            params["seat_id"] = str(seat_id)
        reply = await self.call(
            "GET", f"/internal/libraries/{library_id}/catalog", params=params, tenant_id=tenant_id
        )
        if reply.status == 404:
            return None
        self.raise_for_problem(reply, self.service)
        return LibraryCatalog.model_validate(reply.json())
