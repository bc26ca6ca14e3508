"""From a booking request to a checked placement, and the check that the place is free.

`prepare` asks the library and student services (no database work, see
upstream.py) and applies every rule that does not depend on other bookings;
`ensure_free` runs inside the locked transaction and applies the ones that do.
"""

from __future__ import annotations

import asyncio
import uuid
import zoneinfo
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.errors import Unprocessable
from studyspot.services.booking.access import Viewer
from studyspot.services.booking.errors import (
    BookingRefused,
    LibraryNotFound,
    OverlappingBooking,
    SeatNotFound,
    SeatUnavailable,
    ShiftNotFound,
    StudentNotFound,
    fee_plan_inactive,
    library_closed,
    seat_under_maintenance,
    student_not_active,
    student_suspended,
)
from studyspot.services.booking.periods import end_date, hourly_window
from studyspot.services.booking.pricing import Quote, quote
from studyspot.services.booking.repository import BookingRepository, Occupant
from studyspot.services.booking.rules import DailyWindow, Occupancy, conflicts, fits, minutes_of
from studyspot.services.booking.runtime import Runtime
from studyspot.services.booking.upstream import (
    CatalogSeat,
    FeePlanRecord,
    InternalStudent,
    LibraryCatalog,
)

T = TypeVar("T")

SEAT_TYPES = ("standard", "ac", "cabin", "laptop_friendly")


def local_today(timezone: str, now: datetime) -> date:
    return now.astimezone(zoneinfo.ZoneInfo(timezone)).date()


def capacities(catalog: LibraryCatalog) -> dict[str, int]:
    """Usable seats per kind, and `any` for all of them: the pools floating places draw on."""
    pools = {kind: catalog.active_seats(kind) for kind in SEAT_TYPES}
    pools["any"] = catalog.active_seats()
    return pools


@dataclass(frozen=True)
class Claim:
    """What a booking wants, as `ensure_free` checks it."""

    library_id: uuid.UUID
    student_id: uuid.UUID
    seat_id: uuid.UUID | None  # None: a floating place
    seat_type: str
    allow_overlap: bool
    capacity: dict[str, int]


@dataclass(frozen=True)
class Placement:
    """A booking request that passed every rule except the ones about other bookings."""

    tenant_id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID
    seat: CatalogSeat | None
    seat_type: str
    shift_id: uuid.UUID | None
    plan: FeePlanRecord
    window: DailyWindow
    start_date: date
    end_date: date
    timezone: str
    capacity: dict[str, int]

    @property
    def seat_assignment(self) -> str:
        return "floating" if self.seat is None else "reserved"

    def occupancy(self) -> Occupancy:
        return Occupancy.of(self.window, self.start_date, self.end_date)

    def claim(self) -> Claim:
        return Claim(
            self.library_id,
            self.student_id,
            self.seat.id if self.seat else None,
            self.seat_type,
            self.plan.allow_overlapping_bookings,
            self.capacity,
        )


def check_student(student: InternalStudent, viewer: Viewer) -> None:
    # Desk staff book for students of their own branches only (like the student register).
    if not viewer.is_student and not viewer.can_see_library(student.home_library_id):
        raise StudentNotFound()
    if student.status == "suspended":
        raise student_suspended()
    if student.status != "active":
        raise student_not_active()


def check_plan(plan: FeePlanRecord, library_id: uuid.UUID) -> None:
    if plan.library_id is not None and plan.library_id != library_id:
        raise BookingRefused(
            "fee_plan_not_for_library",
            "This fee plan is not offered at this library",
            "body.fee_plan_id",
        )
    if not plan.is_active:
        raise fee_plan_inactive()


def window_for(
    plan: FeePlanRecord,
    catalog: LibraryCatalog,
    shift_id: uuid.UUID | None,
    slot_start: str | None,
) -> DailyWindow:
    """The daily window sold: the shift's, the full day's, or an hourly slot inside them."""
    if plan.full_day:
        shift_window = DailyWindow.full_day()
        if shift_id is not None:
            shift = catalog.shift(shift_id)
            if shift is None:
                raise ShiftNotFound()
            if not shift.is_full_day:
                raise BookingRefused(
                    "shift_not_covered",
                    "This is a full-day plan: name a full-day shift or none",
                    "body.shift_id",
                )
    else:
        if shift_id is None:
            raise Unprocessable(
                "Name the shift",
                errors=[{"field": "body.shift_id", "message": "required for this plan"}],
            )
        shift = catalog.shift(shift_id)
        if shift is None:
            raise ShiftNotFound()
        if shift_id not in plan.shift_ids:
            raise BookingRefused(
                "shift_not_covered", "This fee plan does not cover this shift", "body.shift_id"
            )
        shift_window = DailyWindow.of(shift.start_time, shift.end_time, full_day=shift.is_full_day)
    if plan.duration_unit != "hour":
        if slot_start is not None:
            raise Unprocessable(
                "Only hourly plans take a slot",
                errors=[{"field": "body.slot_start", "message": "only for hourly plans"}],
            )
        return shift_window
    if slot_start is None:
        raise Unprocessable(
            "Name when the slot starts",
            errors=[{"field": "body.slot_start", "message": "required for an hourly plan"}],
        )
    try:
        slot = hourly_window(minutes_of(slot_start), plan.duration_value)
    except ValueError as exc:
        raise BookingRefused("slot_outside_shift", str(exc), "body.slot_start") from exc
    if not shift_window.contains_window(slot):
        raise BookingRefused(
            "slot_outside_shift", "The slot does not fit inside the shift", "body.slot_start"
        )
    return slot


def seat_for(
    plan: FeePlanRecord, catalog: LibraryCatalog, seat_id: uuid.UUID | None
) -> CatalogSeat | None:
    if plan.seat_assignment == "floating":
        if seat_id is not None:
            raise BookingRefused(
                "seat_not_allowed",
                "This plan gives a floating place: leave seat_id out",
                "body.seat_id",
            )
        return None
    if seat_id is None:
        raise Unprocessable(
            "Choose a seat",
            errors=[{"field": "body.seat_id", "message": "required for a reserved-seat plan"}],
        )
    seat = catalog.seat(seat_id)
    if seat is None:
        raise SeatNotFound()
    if seat.status == "maintenance":
        raise seat_under_maintenance()
    if plan.seat_type not in ("any", seat.seat_type):
        raise BookingRefused(
            "seat_type_mismatch",
            f"This plan is for {plan.seat_type} seats; this seat is {seat.seat_type}",
            "body.seat_id",
        )
    return seat


def check_start(start: date, today: date, max_advance_days: int, field: str) -> None:
    if start < today:
        raise BookingRefused("start_date_in_past", "The start date has passed", field)
    if start > today + timedelta(days=max_advance_days):
        raise BookingRefused(
            "start_date_too_far",
            f"Bookings open at most {max_advance_days} days ahead",
            field,
        )


async def fetch(
    runtime: Runtime,
    viewer: Viewer,
    *,
    library_id: uuid.UUID,
    fee_plan_id: uuid.UUID,
    student_id: uuid.UUID,
    session: AsyncSession | None = None,
) -> tuple[LibraryCatalog, FeePlanRecord, InternalStudent]:
    """Catalog (with the library's plans) and student; a branch the caller cannot see is
    a 404. Without `session`, both are asked for at once; with it, the student first and
    then the kept catalog checked in the session (Upstream.catalog), which begins its
    transaction: no service may be asked after that."""
    if not viewer.can_see_library(library_id):
        raise LibraryNotFound()
    up = runtime.upstream
    found: Sequence[Any]
    if session is None:
        found = await asyncio.gather(
            up.catalog(viewer.tenant_id, library_id),
            up.student(viewer.tenant_id, student_id),
            return_exceptions=True,
        )
    else:
        asked = await _outcome(up.student(viewer.tenant_id, student_id))
        found = [await _outcome(up.catalog(viewer.tenant_id, library_id, session)), asked]
    # The same request always gets the same answer: library, then plan, then student.
    if isinstance(found[0], BaseException):
        raise found[0]
    catalog = found[0]
    plan = await up.fee_plan(viewer.tenant_id, fee_plan_id, catalog, session)
    if isinstance(found[1], BaseException):
        raise found[1]
    student = found[1]
    if viewer.is_student and catalog.status != "active":
        raise LibraryNotFound()
    return catalog, plan, student


async def _outcome(pending: Awaitable[T]) -> T | BaseException:
    """What `asyncio.gather(..., return_exceptions=True)` would hold for it."""
    try:
        return await pending
    except Exception as exc:
        return exc


async def prepare(
    runtime: Runtime,
    viewer: Viewer,
    *,
    student_id: uuid.UUID,
    library_id: uuid.UUID,
    seat_id: uuid.UUID | None,
    shift_id: uuid.UUID | None,
    fee_plan_id: uuid.UUID,
    start_date: date,
    slot_start: str | None = None,
    start_field: str = "body.start_date",
    inherit_seat: bool = False,
    session: AsyncSession | None = None,
) -> Placement:
    """Ask the library and student services and apply every rule that needs no other booking.

    `inherit_seat`: the seat comes from an earlier booking (a renewal), so a
    floating plan simply drops it instead of refusing it. `session`: see `fetch`.
    """
    catalog, plan, student = await fetch(
        runtime,
        viewer,
        library_id=library_id,
        fee_plan_id=fee_plan_id,
        student_id=student_id,
        session=session,
    )
    check_student(student, viewer)
    if catalog.status != "active":
        raise library_closed()
    check_plan(plan, library_id)
    window = window_for(plan, catalog, shift_id, slot_start)
    if inherit_seat and plan.seat_assignment == "floating":
        seat_id = None
    seat = seat_for(plan, catalog, seat_id)
    today = local_today(catalog.timezone, runtime.now())
    check_start(start_date, today, runtime.config.max_advance_days, start_field)
    return Placement(
        tenant_id=viewer.tenant_id,
        student_id=student_id,
        library_id=library_id,
        seat=seat,
        seat_type=seat.seat_type if seat else plan.seat_type,
        shift_id=shift_id,
        plan=plan,
        window=window,
        start_date=start_date,
        end_date=end_date(start_date, plan.duration_unit, plan.duration_value),
        timezone=catalog.timezone,
        capacity=capacities(catalog),
    )


def assess(occupants: Sequence[Occupant], claim: Claim, occupancy: Occupancy) -> str | None:
    """Why `occupancy` does not fit among `occupants` (`seat`, `places`, `student`), or None."""
    if claim.seat_id is not None and any(
        o.seat_id == claim.seat_id and conflicts(occupancy, o.occupancy) for o in occupants
    ):
        return "seat"
    pools = ["any"] if claim.seat_type == "any" else [claim.seat_type, "any"]
    for pool in pools:
        members = [o for o in occupants if pool == "any" or o.seat_type == pool]
        # Reserved bookings each stand on their own seat: only floating ones can crowd a pool.
        if claim.seat_id is not None and not any(o.floating for o in members):
            continue
        if not fits(occupancy, [o.occupancy for o in members], claim.capacity.get(pool, 0)):
            return "places"
    if not claim.allow_overlap and any(
        o.student_id == claim.student_id and conflicts(occupancy, o.occupancy) for o in occupants
    ):
        return "student"
    return None


def raise_for(problem: str | None) -> None:
    if problem == "seat":
        raise SeatUnavailable()
    if problem == "places":
        raise SeatUnavailable("No place is left in this library for that time")
    if problem == "student":
        raise OverlappingBooking()


async def ensure_free(
    repo: BookingRepository,
    claim: Claim,
    occupancy: Occupancy,
    now: datetime,
    *,
    exclude: uuid.UUID | None = None,
) -> None:
    """Raise unless `occupancy` fits: its seat, the library's places, the student's own time.

    Call it with the library lock held (repository.lock_library).
    """
    occupants: Sequence[Occupant] = ()
    if claim.seat_id is not None:
        # A reserved claim meets the pool's count only through floating bookings; without
        # one, its own seat and its student's bookings decide, and a full library of
        # reserved seats is not read for every booking made in it.
        occupants = await repo.occupants(
            claim.library_id,
            occupancy,
            now,
            exclude=exclude,
            around=(claim.seat_id, claim.student_id),
        )
        if not any(o.floating for o in occupants):
            raise_for(assess(occupants, claim, occupancy))
            return
    occupants = await repo.occupants(claim.library_id, occupancy, now, exclude=exclude)
    raise_for(assess(occupants, claim, occupancy))


def find_place(
    occupants: Sequence[Occupant],
    catalog: LibraryCatalog,
    claim: Claim,
    occupancy: Occupancy,
    *,
    floating: bool,
) -> tuple[str | None, CatalogSeat | None]:
    """The first usable seat (map order) or a floating place that fits: (problem, seat).

    `claim.seat_id` is ignored; for a reserved plan every seat of the plan's
    kind is tried. Returns ("seat", None) when nothing is free.
    """
    if floating:
        return assess(occupants, replace(claim, seat_id=None), occupancy), None
    busy = {
        o.seat_id for o in occupants if o.seat_id is not None and conflicts(occupancy, o.occupancy)
    }
    problem: str | None = "seat"
    for seat in catalog.seats:
        if seat.status != "active" or seat.id in busy:
            continue
        if claim.seat_type not in ("any", seat.seat_type):
            continue
        problem = assess(
            occupants, replace(claim, seat_id=seat.id, seat_type=seat.seat_type), occupancy
        )
        if problem is None:
            return None, seat
        if problem == "student":
            break
    return problem, None


def price_of(
    plan_price: int,
    registration_fee: int,
    deposit: int,
    gst_rate_percent: int,
    includes_tax: bool,
    *,
    first_paid_booking: bool,
) -> Quote:
    """The plan's price; registration fee and deposit only on the first paid booking (pricing.py)."""
    return quote(
        price_paise=plan_price,
        registration_fee_paise=registration_fee if first_paid_booking else 0,
        security_deposit_paise=deposit if first_paid_booking else 0,
        gst_rate_percent=gst_rate_percent,
        price_includes_tax=includes_tax,
    )
