"""Reading bookings: one, a filtered page, and a library's availability map."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.change_counters import database_name, version_of
from studyspot.kit.errors import Unprocessable
from studyspot.kit.pagination import PageParams, paginate, sort_clause
from studyspot.services.booking.access import Viewer
from studyspot.services.booking.errors import LibraryNotFound, ShiftNotFound
from studyspot.services.booking.map_versions import map_versions
from studyspot.services.booking.models import HOLDING, Booking, WaitlistEntry
from studyspot.services.booking.repository import (
    SORTABLE,
    BookingFilter,
    BookingRepository,
    Occupant,
    WaitlistRepository,
)
from studyspot.services.booking.rules import (
    MINUTES_PER_DAY,
    DailyWindow,
    Occupancy,
    conflicts,
    hhmm,
    peak_overlap,
)
from studyspot.services.booking.runtime import Runtime
from studyspot.services.booking.schemas.availability import (
    SeatState,
)
from studyspot.services.booking.schemas.common import SeatKind
from studyspot.services.booking.service.common import visible_or_404
from studyspot.services.booking.service.map_cache import KeptMap
from studyspot.services.booking.service.placement import capacities
from studyspot.services.booking.upstream import LibraryCatalog

MAX_AVAILABILITY_DAYS = 366


def sharing_time(wanted: Occupancy, occupants: list[Occupant]) -> list[Occupant]:
    """The occupants that share at least one minute with `wanted` (the exact rule)."""
    # Bookings sold alike share an Occupancy object: decide the rule once per object.
    decided: dict[int, bool] = {}
    relevant: list[Occupant] = []
    for occupant in occupants:
        shared = id(occupant.occupancy)
        hit = decided.get(shared)
        if hit is None:
            hit = decided[shared] = conflicts(wanted, occupant.occupancy)
        if hit:
            relevant.append(occupant)
    return relevant


async def get_booking(session: AsyncSession, viewer: Viewer, booking_id: uuid.UUID) -> Booking:
    return visible_or_404(
        viewer, await BookingRepository(session, viewer.tenant_id).get(booking_id)
    )


async def list_bookings(
    session: AsyncSession,
    viewer: Viewer,
    flt: BookingFilter,
    paging: PageParams,
    sort: str | None,
    now: datetime,
) -> tuple[list[Booking], int]:
    if viewer.student_id is not None:
        if flt.student_id not in (None, viewer.student_id):
            return [], 0
        flt.student_id = viewer.student_id
    elif viewer.library_ids is not None:
        wanted = set(viewer.library_ids)
        if flt.library_ids is not None:
            wanted &= set(flt.library_ids)
        flt.library_ids = wanted
    query = BookingRepository(session, viewer.tenant_id).listing(flt, now)
    order = sort_clause(sort, SORTABLE, [Booking.created_at.desc(), Booking.id.desc()])
    return await paginate(session, query, paging, order)


async def availability(
    session: AsyncSession,
    viewer: Viewer,
    runtime: Runtime,
    *,
    library_id: uuid.UUID,
    start_date: date,
    end_date: date | None,
    shift_id: uuid.UUID | None,
) -> bytes:
    """The map as JSON, shaped exactly like schemas.Availability (the route's documented
    answer; tests validate it), from the process's kept maps when still true (map_cache)."""
    last = end_date or start_date
    if last < start_date or (last - start_date).days >= MAX_AVAILABILITY_DAYS:
        raise Unprocessable(
            "The period is not valid",
            errors=[
                {
                    "field": "query.end_date",
                    "message": f"on or after start_date, at most {MAX_AVAILABILITY_DAYS} days",
                }
            ],
        )
    if not viewer.can_see_library(library_id):
        raise LibraryNotFound()
    catalog = await runtime.upstream.catalog(viewer.tenant_id, library_id, session)
    if viewer.is_student and catalog.status != "active":
        raise LibraryNotFound()
    if shift_id is None:
        window = DailyWindow.full_day()
    else:
        shift = catalog.shift(shift_id)
        if shift is None:
            raise ShiftNotFound()
        window = DailyWindow.of(shift.start_time, shift.end_time, full_day=shift.is_full_day)
    # Read first, in the transaction that reads the bookings: a change committed after
    # this read moves the counter past what the map below is kept under.
    version = await version_of(session, map_versions, viewer.tenant_id, library_id)
    key = (database_name(session), viewer.tenant_id, library_id, start_date, last, shift_id)
    now = runtime.now()
    kept = runtime.maps.get(key, version, catalog, now)
    if kept is not None:
        return kept
    found, valid_until = await _seat_map(
        session, viewer.tenant_id, catalog, window, start_date, last, now
    )
    found["shift_id"] = shift_id
    body = orjson.dumps(found)
    runtime.maps.put(key, KeptMap(version, catalog, valid_until, body))
    return body


async def _seat_map(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    catalog: LibraryCatalog,
    window: DailyWindow,
    start_date: date,
    last: date,
    now: datetime,
) -> tuple[dict[str, Any], datetime | None]:
    """The map, and when the first pending hold in it runs out (None: no hold in it)."""
    occupancy = Occupancy.of(window, start_date, last)
    occupants = await BookingRepository(session, tenant_id).occupants(catalog.id, occupancy, now)
    relevant = sharing_time(occupancy, occupants)
    holds = [o.hold_expires_at for o in relevant if o.status not in HOLDING and o.hold_expires_at]
    states: dict[uuid.UUID, SeatState] = {}
    for occupant in relevant:
        if occupant.seat_id is not None and states.get(occupant.seat_id) != "booked":
            states[occupant.seat_id] = "booked" if occupant.status in HOLDING else "held"
    seats: list[dict[str, Any]] = []
    counts = {"free": 0, "held": 0, "booked": 0, "maintenance": 0}
    for seat in catalog.seats:
        state: SeatState = (
            "maintenance" if seat.status == "maintenance" else states.get(seat.id, "free")
        )
        counts[state] += 1
        seats.append(
            {
                "seat_id": seat.id,
                "label": seat.label,
                "seat_type": seat.seat_type,
                "zone": seat.zone,
                "floor": seat.floor,
                "row": seat.row,
                "column": seat.column,
                "state": state,
            }
        )
    pools = capacities(catalog)
    floating: list[dict[str, Any]] = []
    kinds: tuple[SeatKind, ...] = ("any", "standard", "ac", "cabin", "laptop_friendly")
    peaks: dict[tuple[uuid.UUID, ...], int] = {}
    for kind in kinds:
        capacity = pools[kind]
        if kind != "any" and capacity == 0:
            continue
        members = [o for o in relevant if kind == "any" or o.seat_type == kind]
        # A library of one kind of seat has the same bookings in both pools: count once.
        pool = tuple(o.id for o in members)
        if pool not in peaks:
            peaks[pool] = peak_overlap(occupancy, [o.occupancy for o in members]) if members else 0
        floating.append(
            {"seat_type": kind, "capacity": capacity, "left": max(capacity - peaks[pool], 0)}
        )
    found = {
        "library_id": catalog.id,
        "start_date": start_date,
        "end_date": last,
        "shift_id": None,
        "window_start": hhmm(window.start),
        "window_end": "24:00" if window.end == MINUTES_PER_DAY else hhmm(window.end),
        "crosses_midnight": window.crosses_midnight,
        "seats": seats,
        "counts": counts,
        "floating": floating,
    }
    return found, min(holds, default=None)


async def list_waitlist(
    session: AsyncSession,
    viewer: Viewer,
    paging: PageParams,
    *,
    library_id: uuid.UUID | None,
    student_id: uuid.UUID | None,
    status: str | None,
) -> tuple[list[WaitlistEntry], int]:
    repo = WaitlistRepository(session, viewer.tenant_id)
    query = repo.select()
    if viewer.student_id is not None:
        if student_id not in (None, viewer.student_id):
            return [], 0
        student_id = viewer.student_id
    elif viewer.library_ids is not None:
        query = query.where(WaitlistEntry.library_id.in_(sorted(viewer.library_ids)))
    if library_id is not None:
        query = query.where(WaitlistEntry.library_id == library_id)
    if student_id is not None:
        query = query.where(WaitlistEntry.student_id == student_id)
    if status is not None:
        query = query.where(WaitlistEntry.status == status)
    return await paginate(
        session, query, paging, [WaitlistEntry.created_at.asc(), WaitlistEntry.id.asc()]
    )
