"""The library service's client: the only module other services import.

It holds the contract types of the library's internal API (docs/internal-api.md)
so caller and callee validate the same shapes, and it imports nothing else of
the library service.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.kept_answers import KeptAnswers
from studyspot.kit.service_client import ServiceClient
from studyspot.kit.settings import Settings
from studyspot.services.library.catalog_versions import catalog_etag

LibraryStatus = Literal["active", "closed"]
StaffRole = Literal["manager", "staff"]


class LibraryRecord(BaseModel):
    """A branch as other services need it (GST place of supply, local time, open or closed)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str = Field(max_length=120)
    city: str = Field(max_length=80)
    state: str = Field(max_length=64, description="Official state or union territory name")
    gst_state_code: str = Field(pattern=r"^[0-9]{2}$")
    pincode: str = Field(pattern=r"^[1-9][0-9]{5}$")
    timezone: str = Field(max_length=64)
    gstin: str | None = Field(max_length=15)
    status: LibraryStatus


class StaffRecord(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str = Field(max_length=120)
    email: str | None = Field(max_length=254)
    phone: str | None = Field(max_length=13)
    role: StaffRole
    library_ids: list[uuid.UUID]
    is_active: bool


class BranchStaff(BaseModel):
    """`GET /internal/libraries/{id}/staff`: the branch's active staff, by name."""

    items: list[StaffRecord]


class StaffProfileUpdate(BaseModel):
    """Body of `PATCH /internal/staff/{id}`: what a staff member may change about itself."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=120)
    phone: str | None = Field(default=None, max_length=20)


class FeePlanRecord(BaseModel):
    """A fee plan with what booking and payment need to sell it."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    library_id: uuid.UUID | None = Field(description="null: offered at every library")
    name: str = Field(max_length=120)
    duration_unit: Literal["hour", "day", "month"]
    duration_value: int = Field(ge=1)
    full_day: bool
    shift_ids: list[uuid.UUID]
    seat_type: Literal["any", "standard", "ac", "cabin", "laptop_friendly"]
    seat_assignment: Literal["reserved", "floating"]
    price_paise: int = Field(ge=0)
    registration_fee_paise: int = Field(ge=0)
    security_deposit_paise: int = Field(ge=0)
    gst_rate_percent: int = Field(ge=0, le=28)
    price_includes_tax: bool
    is_active: bool
    max_pause_days: int = Field(ge=0)
    max_pauses_per_year: int = Field(ge=0)
    allow_overlapping_bookings: bool
    keep_seat_on_pause: bool
    used_at: datetime | None


HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM_OR_24 = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
CatalogSeatType = Literal["standard", "ac", "cabin", "laptop_friendly"]


class CatalogSeat(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    label: str = Field(max_length=16)
    seat_type: CatalogSeatType
    status: Literal["active", "maintenance"]
    zone: str | None = Field(max_length=60)
    floor: int | None
    row: int | None = Field(ge=1, le=500)
    column: int | None = Field(ge=1, le=500)


class CatalogShift(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    name: str = Field(max_length=60)
    start_time: str = Field(pattern=HHMM)
    end_time: str = Field(pattern=HHMM_OR_24, description="24:00 only for a full day")
    is_full_day: bool


class SeatTypeCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    seat_type: CatalogSeatType
    active: int = Field(ge=0, description="Seats of this kind not under maintenance")
    maintenance: int = Field(ge=0)


class LibraryCatalog(BaseModel):
    # Kept and handed out again by `LibraryClient.get_catalog`: nobody may change one.
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str = Field(max_length=120)
    status: Literal["active", "closed"]
    timezone: str = Field(max_length=64)
    state: str = Field(max_length=64)
    seats: list[CatalogSeat] = Field(description="Every seat, in map order")
    shifts: list[CatalogShift]
    seat_counts: list[SeatTypeCount] = Field(description="Always over every seat of the library")
    fee_plans: list[FeePlanRecord] = Field(
        default_factory=list,
        description="The plans of this library and of every library, active or not",
    )

    def seat(self, seat_id: uuid.UUID) -> CatalogSeat | None:
        return next((s for s in self.seats if s.id == seat_id), None)

    def fee_plan(self, fee_plan_id: uuid.UUID) -> FeePlanRecord | None:
        return next((p for p in self.fee_plans if p.id == fee_plan_id), None)

    def shift(self, shift_id: uuid.UUID) -> CatalogShift | None:
        return next((s for s in self.shifts if s.id == shift_id), None)

    def active_seats(self, seat_type: str | None = None) -> int:
        """Seats not under maintenance, of one kind or (None) of every kind."""
        return sum(c.active for c in self.seat_counts if seat_type in (None, c.seat_type))


# Whole catalogs kept per process (a 500-seat one is a few hundred KB of models).
CATALOGS_KEPT = 64


class LibraryClient(ServiceClient):
    service = "library"

    def __init__(self, settings: Settings, caller: str) -> None:
        super().__init__(settings, caller)
        self._catalogs: KeptAnswers[tuple[uuid.UUID, uuid.UUID], LibraryCatalog] = KeptAnswers(
            CATALOGS_KEPT
        )

    async def get_library(
        self, tenant_id: uuid.UUID, library_id: uuid.UUID, *, shared: bool = False
    ) -> LibraryRecord | None:
        """The library, or None when the tenant has no such library (`shared`: see
        `ServiceClient.call`)."""
        reply = await self.call(
            "GET",
            f"/internal/libraries/{library_id}",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
            shared=shared,
        )
        if reply.status == 404:
            return None
        self.raise_for_problem(reply, self.service)
        return LibraryRecord.model_validate(reply.json())

    async def get_staff(self, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> StaffRecord | None:
        """The staff member with its branches, or None when the tenant has no such person."""
        reply = await self.call(
            "GET",
            f"/internal/staff/{staff_id}",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
        )
        if reply.status == 404:
            return None
        self.raise_for_problem(reply, self.service)
        return StaffRecord.model_validate(reply.json())

    async def staff_library_ids(
        self, tenant_id: uuid.UUID, staff_id: uuid.UUID
    ) -> frozenset[uuid.UUID]:
        """The branches a staff member works at (`kit.scope.StaffBranches`): none when the
        tenant has no such person or it is inactive."""
        staff = await self.get_staff(tenant_id, staff_id)
        if staff is None or not staff.is_active:
            return frozenset()
        return frozenset(staff.library_ids)

    async def branch_staff(self, tenant_id: uuid.UUID, library_id: uuid.UUID) -> list[StaffRecord]:
        """The active staff assigned to the branch (managers and desk), by name."""
        reply = await self.call(
            "GET",
            f"/internal/libraries/{library_id}/staff",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return BranchStaff.model_validate(reply.json()).items

    async def update_staff(
        self,
        tenant_id: uuid.UUID,
        staff_id: uuid.UUID,
        *,
        name: str | None = None,
        phone: str | None = None,
    ) -> StaffRecord:
        """A staff member's own profile edit; only the fields given change.

        The library service does not forward this to the auth service: the
        caller (auth) keeps its own copy of the login in step.
        """
        body = StaffProfileUpdate(name=name, phone=phone).model_dump(exclude_none=True)
        reply = await self.call(
            "PATCH",
            f"/internal/staff/{staff_id}",
            json=body,
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return StaffRecord.model_validate(reply.json())

    async def get_fee_plan(
        self, tenant_id: uuid.UUID, fee_plan_id: uuid.UUID
    ) -> FeePlanRecord | None:
        reply = await self.call(
            "GET",
            f"/internal/fee-plans/{fee_plan_id}",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
        )
        if reply.status == 404:
            return None
        self.raise_for_problem(reply, self.service)
        return FeePlanRecord.model_validate(reply.json())

    async def mark_fee_plan_used(
        self, tenant_id: uuid.UUID, fee_plan_id: uuid.UUID
    ) -> FeePlanRecord:
        """Record that a plan was sold (idempotent): from then on it cannot be deleted."""
        reply = await self.call(
            "POST",
            f"/internal/fee-plans/{fee_plan_id}/mark-used",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return FeePlanRecord.model_validate(reply.json())

    async def catalog_if_current(
        self, session: AsyncSession, tenant_id: uuid.UUID, library_id: uuid.UUID
    ) -> LibraryCatalog | None:
        """The kept catalog when it is still the library's, read in `session`'s transaction
        (the tenant's database, where the library counts its changes), or None: then ask
        with `get_catalog`, outside the transaction. No request at all while nothing of
        the library changed, where a 304 costs the library service a request of its own."""
        return await self._catalogs.if_current(
            (tenant_id, library_id), lambda: catalog_etag(session, tenant_id, library_id)
        )

    async def get_catalog(
        self, tenant_id: uuid.UUID, library_id: uuid.UUID
    ) -> LibraryCatalog | None:
        """The library with its seats, shifts and fee plans, or None when the tenant has no
        such library.

        A catalog is kept with its ETag and asked for again with `If-None-Match`: while
        nothing of the library nor of the tenant's fee plans changed, the library service
        answers 304 without reading them, and the same (immutable) object is returned,
        which callers may use as a key (the booking service's seat-map cache does).
        """
        key = (tenant_id, library_id)
        kept = self._catalogs.get(key)
        reply = await self.call(
            "GET",
            f"/internal/libraries/{library_id}/catalog",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
            headers={"if-none-match": kept[0]} if kept else None,
        )
        if reply.status == 304 and kept:
            return kept[1]
        if reply.status == 404:
            self._catalogs.forget(key)
            return None
        self.raise_for_problem(reply, self.service)
        catalog = LibraryCatalog.model_validate(reply.json())
        self._catalogs.keep(key, reply.header("etag"), catalog)
        return catalog
