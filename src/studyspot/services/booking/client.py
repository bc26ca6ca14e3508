"""The booking service's client: the only module other services import.

It holds the contract types of the internal API (docs/internal-api.md), so
caller and callee validate the same shapes, and it imports nothing else of
the booking service but its booking counter (map_versions.py).
"""

from __future__ import annotations

import asyncio
import uuid
import zoneinfo
from datetime import date, datetime
from functools import lru_cache
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.kept_answers import KeptAnswers
from studyspot.kit.service_client import ServiceClient
from studyspot.kit.settings import Settings
from studyspot.services.booking.map_versions import bookings_etag

InternalBookingStatus = Literal[
    "pending_payment", "confirmed", "active", "completed", "cancelled", "expired"
]


class InternalBooking(BaseModel):
    """A booking as the payment service needs it; `total_paise` is what the student owes."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID
    seat_id: uuid.UUID | None
    shift_id: uuid.UUID | None
    fee_plan_id: uuid.UUID
    status: InternalBookingStatus = Field(
        description="A pending booking whose hold ran out is reported as expired"
    )
    start_date: date
    end_date: date
    hold_expires_at: datetime | None
    payment_id: uuid.UUID | None
    price_paise: int = Field(ge=0)
    registration_fee_paise: int = Field(ge=0)
    security_deposit_paise: int = Field(ge=0)
    gst_rate_bps: int = Field(ge=0, le=10_000)
    price_includes_tax: bool
    taxable_paise: int = Field(ge=0)
    gst_paise: int = Field(ge=0)
    total_paise: int = Field(ge=0)
    currency: Literal["INR"] = "INR"


class InternalConfirm(BaseModel):
    """Body of `POST /internal/bookings/{id}/confirm`."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: uuid.UUID
    payment_id: uuid.UUID


HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM_OR_24 = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
MAX_EXPIRING_DAYS = 366


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class OccupancyShift(BaseModel):
    """A shift of the library, as the library service defines it (local wall-clock times)."""

    model_config = ConfigDict(extra="forbid")

    shift_id: uuid.UUID
    start_time: str = Field(pattern=HHMM)
    end_time: str = Field(pattern=HHMM_OR_24, description="At or before the start: the next day")
    is_full_day: bool = False

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.is_full_day and self.start_time == self.end_time:
            raise ValueError("a shift that starts when it ends is a full day: set is_full_day")
        return self


class OccupancyLibrary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    library_id: uuid.UUID
    timezone: str = Field(max_length=64, description="IANA time zone the shifts are read in")
    maintenance_seat_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=5000,
        description="Seats under maintenance: reserved bookings on them are counted apart",
    )
    shifts: list[OccupancyShift] = Field(default_factory=list, max_length=100)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        # Membership in the known set, not ZoneInfo(value): the name never becomes a file path.
        if value not in _known_zones():
            raise ValueError("must be an IANA time zone such as Asia/Kolkata")
        return value


class OccupancyQuery(BaseModel):
    """Body of `POST /internal/bookings/occupancy`."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: uuid.UUID
    libraries: list[OccupancyLibrary] = Field(max_length=500)


class SeatsTaken(BaseModel):
    """Places held by bookings (confirmed, active, or a pending hold not run out).

    A seat is counted once however many bookings hold it in the period; floating
    bookings are counted as the most of them in the library at the same minute.
    """

    reserved: int = Field(ge=0, description="Seats held by a reserved-seat booking")
    reserved_under_maintenance: int = Field(
        ge=0, description="Of `reserved`, seats the caller said are under maintenance"
    )
    floating: int = Field(ge=0, description="Floating places in use, the most at once")

    @property
    def booked(self) -> int:
        return self.reserved + self.floating

    def free(self, seats_total: int, under_maintenance: int) -> int:
        """Usable seats that no booking holds."""
        usable = seats_total - under_maintenance
        held = self.reserved - self.reserved_under_maintenance + self.floating
        return max(usable - held, 0)


class ShiftSeatsTaken(SeatsTaken):
    shift_id: uuid.UUID
    day: date = Field(
        description="Local date the counted occurrence starts: the one running now, otherwise "
        "today's (yesterday's for a shift across midnight still running this morning)"
    )


class LibrarySeatsTaken(SeatsTaken):
    """The counts at this minute, and per shift for its current occurrence."""

    library_id: uuid.UUID
    local_date: date
    local_time: str = Field(pattern=HHMM)
    shifts: list[ShiftSeatsTaken]


class OccupancyNow(BaseModel):
    """Answer of `POST /internal/bookings/occupancy`, libraries in the order asked."""

    at: datetime
    libraries: list[LibrarySeatsTaken]

    def of(self, library_id: uuid.UUID) -> LibrarySeatsTaken | None:
        return next((lib for lib in self.libraries if lib.library_id == library_id), None)


class ExpiringStudents(BaseModel):
    """Answer of `GET /internal/bookings/expiring`."""

    within_days: int = Field(ge=0, le=MAX_EXPIRING_DAYS)
    library_id: uuid.UUID | None
    student_ids: list[uuid.UUID] = Field(
        description="Students whose paid booking ends today .. today + within_days (library's "
        "local date) with no later booking of theirs holding a place (a renewal)"
    )
    total: int = Field(ge=0)


MAX_ATTENDANCE_DAYS = 7
MAX_ATTENDANCE_PAGE = 2000


class DateRange(BaseModel):
    first: date
    last: date


class AttendanceBooking(BaseModel):
    """A booking holding a place (confirmed or active), as attendance needs it: whose, where,
    and the daily window in local minutes (`studyspot.kit.shift_windows.DailyWindow`)."""

    id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID
    seat_id: uuid.UUID | None = Field(description="Null for a floating place")
    seat_label: str | None = Field(max_length=16)
    shift_id: uuid.UUID | None = Field(description="Null for a full-day plan booked without one")
    seat_assignment: Literal["reserved", "floating"]
    status: Literal["confirmed", "active"]
    window_start: int = Field(ge=0, lt=1440)
    window_end: int = Field(ge=0, le=1440)
    start_date: date
    end_date: date
    timezone: str = Field(max_length=64)
    pauses: list[DateRange] = Field(
        default_factory=list, description="Paused days (seat kept or not): no attendance then"
    )


class AttendanceBookings(BaseModel):
    """Answer of `GET /internal/bookings/attendance`, ordered by id."""

    items: list[AttendanceBooking]
    next_after: uuid.UUID | None = Field(description="Ask again with `after=` this for more")


# Libraries' attendance bookings kept per process (a 500-seat library's is ~2,000 records).
LIBRARY_LISTS_KEPT = 16

LibraryDays = tuple[uuid.UUID, uuid.UUID, date, date]


class BookingClient(ServiceClient):
    service = "booking"

    def __init__(self, settings: Settings, caller: str) -> None:
        super().__init__(settings, caller)
        self._library_bookings: KeptAnswers[LibraryDays, list[AttendanceBooking]] = KeptAnswers(
            LIBRARY_LISTS_KEPT
        )
        self._fetching: dict[
            LibraryDays, asyncio.Future[tuple[str | None, list[AttendanceBooking]]]
        ] = {}

    async def get_booking(
        self, tenant_id: uuid.UUID, booking_id: uuid.UUID
    ) -> InternalBooking | None:
        """The booking, or None when this tenant has no such booking."""
        reply = await self.call(
            "GET",
            f"/internal/bookings/{booking_id}",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
        )
        if reply.status == 404:
            return None
        self.raise_for_problem(reply, self.service)
        return InternalBooking.model_validate(reply.json())

    async def confirm_booking(
        self, tenant_id: uuid.UUID, booking_id: uuid.UUID, payment_id: uuid.UUID
    ) -> InternalBooking:
        """Confirm a paid booking (idempotent for the same payment).

        AppError 409 `hold_expired` / `booking_not_pending` and 404
        `booking_not_found` pass through.
        """
        body = InternalConfirm(tenant_id=tenant_id, payment_id=payment_id)
        reply = await self.call(
            "POST",
            f"/internal/bookings/{booking_id}/confirm",
            json=body.model_dump(mode="json"),
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return InternalBooking.model_validate(reply.json())

    async def occupancy_now(self, query: OccupancyQuery) -> OccupancyNow:
        """Seats taken now, and per shift, in the libraries asked (the booking service's clock).

        ServiceUnavailable when the booking service cannot be reached or fails.
        """
        reply = await self.call(
            "POST",
            "/internal/bookings/occupancy",
            json=query.model_dump(mode="json"),
            tenant_id=query.tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return OccupancyNow.model_validate(reply.json())

    async def attendance_bookings(
        self,
        tenant_id: uuid.UUID,
        first: date,
        last: date,
        *,
        library_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
    ) -> list[AttendanceBooking]:
        """Bookings holding a place on some day of [first, last] (at most 7 days), every page.

        ServiceUnavailable when the booking service cannot be reached or fails.
        """
        params = {"tenant_id": str(tenant_id), "from": first.isoformat(), "to": last.isoformat()}
        if library_id is not None:
            params["library_id"] = str(library_id)
        if student_id is not None:
            params["student_id"] = str(student_id)
        return (await self._attendance_pages(tenant_id, params))[1]

    async def _attendance_pages(
        self, tenant_id: uuid.UUID, params: dict[str, str]
    ) -> tuple[str | None, list[AttendanceBooking]]:
        """Every page, and their ETag when all of them named the same one."""
        found: list[AttendanceBooking] = []
        after: uuid.UUID | None = None
        etags: set[str | None] = set()
        while True:
            page = dict(params, after=str(after)) if after else params
            reply = await self.call(
                "GET", "/internal/bookings/attendance", params=page, tenant_id=tenant_id
            )
            self.raise_for_problem(reply, self.service)
            etags.add(reply.header("etag"))
            answer = AttendanceBookings.model_validate(reply.json())
            found.extend(answer.items)
            if answer.next_after is None:
                return (etags.pop() if len(etags) == 1 else None), found
            after = answer.next_after

    def _forget_fetch(
        self,
        key: LibraryDays,
        done: asyncio.Future[tuple[str | None, list[AttendanceBooking]]],
    ) -> None:
        self._fetching.pop(key, None)
        # Retrieved here: every waiter may have been cancelled while the fetch failed, and
        # asyncio would then log the failure as never retrieved.
        if not done.cancelled():
            done.exception()

    async def library_bookings_if_current(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        library_id: uuid.UUID,
        first: date,
        last: date,
    ) -> list[AttendanceBooking] | None:
        """The library's kept attendance bookings of [first, last] when still true, read in
        `session`'s transaction (the tenant's database, where the booking counter is), or
        None: then `library_bookings`, outside the transaction."""
        return await self._library_bookings.if_current(
            (tenant_id, library_id, first, last),
            lambda: bookings_etag(session, tenant_id, library_id),
        )

    async def library_bookings(
        self, tenant_id: uuid.UUID, library_id: uuid.UUID, first: date, last: date
    ) -> list[AttendanceBooking]:
        """Every attendance booking of the library in [first, last], asked for and kept.

        Requests that miss together share one fetch: at the 06:00 rush the first check-ins
        all find the list gone (a booking changed overnight) at the same moment.
        """
        key = (tenant_id, library_id, first, last)
        pending = self._fetching.get(key)
        if pending is None:
            params = {
                "tenant_id": str(tenant_id),
                "library_id": str(library_id),
                "from": first.isoformat(),
                "to": last.isoformat(),
            }
            pending = asyncio.ensure_future(self._attendance_pages(tenant_id, params))
            self._fetching[key] = pending
            pending.add_done_callback(lambda done: self._forget_fetch(key, done))
        etag, found = await asyncio.shield(pending)
        self._library_bookings.keep(key, etag, found)
        return found

    async def expiring_students(
        self, tenant_id: uuid.UUID, within_days: int, *, library_id: uuid.UUID | None = None
    ) -> ExpiringStudents:
        """Students whose plan runs out within `within_days` and who have not renewed."""
        params = {"tenant_id": str(tenant_id), "within_days": str(within_days)}
        if library_id is not None:
            params["library_id"] = str(library_id)
        reply = await self.call(
            "GET", "/internal/bookings/expiring", params=params, tenant_id=tenant_id
        )
        self.raise_for_problem(reply, self.service)
        return ExpiringStudents.model_validate(reply.json())
