"""The waitlist: wait for a place when none is free; be offered a held booking when one frees.

- Joining is allowed only when no place fits the wanted time (else 409
  `seats_available`: book it). The plan's price is quoted then and the offer
  is made on those terms.
- When places free up (a cancellation, a lapsed hold, a lapsed offer) the
  library's waiting students are offered, first come first served, each the
  first place that fits them: a `pending_payment` booking held for
  `offer_minutes` (`waitlist.offered`). Paying it confirms as usual; letting
  it lapse ends that student's turn (`lapsed`) and the place goes to the
  next in line. A student who wanted to start on a day already past starts
  on the day of the offer, for the plan's full length.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.scope import Actor
from studyspot.services.booking.access import Viewer
from studyspot.services.booking.config import BookingSettings
from studyspot.services.booking.errors import (
    AlreadyWaiting,
    BookingRefused,
    BookingStateConflict,
    SeatsAvailable,
    WaitlistEntryNotFound,
    library_closed,
)
from studyspot.services.booking.events import WaitlistOffered, emit
from studyspot.services.booking.models import Booking, WaitlistEntry, WaitlistStatus
from studyspot.services.booking.periods import end_date
from studyspot.services.booking.repository import (
    BookingRepository,
    WaitlistRepository,
    lock_library,
)
from studyspot.services.booking.rules import DailyWindow, Occupancy
from studyspot.services.booking.runtime import Runtime
from studyspot.services.booking.schemas.waitlist import WaitlistJoin
from studyspot.services.booking.service.common import record
from studyspot.services.booking.service.holds import place_hold
from studyspot.services.booking.service.lifecycle import cancel as cancel_booking
from studyspot.services.booking.service.placement import (
    Claim,
    Placement,
    capacities,
    check_plan,
    check_start,
    check_student,
    fetch,
    find_place,
    local_today,
    raise_for,
    window_for,
)
from studyspot.services.booking.upstream import CatalogSeat, FeePlanRecord, LibraryCatalog


async def join(
    session: AsyncSession, viewer: Viewer, body: WaitlistJoin, runtime: Runtime
) -> WaitlistEntry:
    student_id = viewer.student_for(body.student_id)
    catalog, plan, student = await fetch(
        runtime,
        viewer,
        library_id=body.library_id,
        fee_plan_id=body.fee_plan_id,
        student_id=student_id,
    )
    check_student(student, viewer)
    if catalog.status != "active":
        raise library_closed()
    check_plan(plan, body.library_id)
    if plan.duration_unit == "hour":
        raise BookingRefused(
            "waitlist_not_for_hourly", "Hourly plans have no waitlist", "body.fee_plan_id"
        )
    window = window_for(plan, catalog, body.shift_id, None)
    now = runtime.now()
    check_start(
        body.start_date,
        local_today(catalog.timezone, now),
        runtime.config.max_advance_days,
        "body.start_date",
    )
    occupancy = Occupancy.of(
        window, body.start_date, end_date(body.start_date, plan.duration_unit, plan.duration_value)
    )
    claim = Claim(
        body.library_id,
        student_id,
        None,
        plan.seat_type,
        plan.allow_overlapping_bookings,
        capacities(catalog),
    )

    await lock_library(session, viewer.tenant_id, body.library_id)
    bookings = BookingRepository(session, viewer.tenant_id)
    occupants = await bookings.occupants(body.library_id, occupancy, now)
    problem, _ = find_place(
        occupants, catalog, claim, occupancy, floating=plan.seat_assignment == "floating"
    )
    if problem is None:
        raise SeatsAvailable()
    if problem == "student":
        raise_for(problem)
    entries = WaitlistRepository(session, viewer.tenant_id)
    if await entries.already_waiting(student_id, body.library_id, window):
        raise AlreadyWaiting()
    entry = WaitlistEntry(
        student_id=student_id,
        library_id=body.library_id,
        shift_id=body.shift_id,
        fee_plan_id=plan.id,
        seat_assignment=plan.seat_assignment,
        seat_type=plan.seat_type,
        window_start=window.start,
        window_end=window.end,
        start_date=body.start_date,
        duration_unit=plan.duration_unit,
        duration_value=plan.duration_value,
        timezone=catalog.timezone,
        price_paise=plan.price_paise,
        registration_fee_paise=plan.registration_fee_paise,
        security_deposit_paise=plan.security_deposit_paise,
        gst_rate_percent=plan.gst_rate_percent,
        price_includes_tax=plan.price_includes_tax,
        allow_overlapping_bookings=plan.allow_overlapping_bookings,
        status=WaitlistStatus.waiting,
        created_by=viewer.user_id,
        created_at=now,
        updated_at=now,
    )
    await entries.add(entry)
    await record(
        session,
        viewer.actor,
        "waitlist.joined",
        entry.id,
        {"library_id": str(body.library_id), "start_date": body.start_date.isoformat()},
        resource_type="waitlist_entry",
    )
    return entry


def visible_entry(viewer: Viewer, entry: WaitlistEntry | None) -> WaitlistEntry:
    if entry is None or not viewer.can_see(entry.library_id, entry.student_id):
        raise WaitlistEntryNotFound()
    return entry


async def leave(
    session: AsyncSession, viewer: Viewer, entry_id: uuid.UUID, now: datetime
) -> WaitlistEntry:
    """Leave the line; an offer not yet paid is declined and its hold cancelled."""
    repo = WaitlistRepository(session, viewer.tenant_id)
    entry = visible_entry(viewer, await repo.get(entry_id))
    if entry.status == WaitlistStatus.offered and entry.offer_booking_id is not None:
        await cancel_booking(session, viewer, entry.offer_booking_id, "Offer declined", now)
    elif not await repo.transition(
        entry_id,
        [WaitlistStatus.waiting],
        {"status": WaitlistStatus.cancelled, "closed_at": now, "updated_at": now},
    ):
        raise BookingStateConflict(
            "waitlist_entry_closed", f"This waitlist entry is already {entry.status}"
        )
    await record(session, viewer.actor, "waitlist.left", entry_id, resource_type="waitlist_entry")
    found = await repo.get(entry_id)
    assert found is not None
    await session.refresh(found)
    return found


@dataclass(frozen=True)
class Offer:
    entry_id: uuid.UUID
    booking_id: uuid.UUID


async def offer_places(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    catalog: LibraryCatalog,
    plans: Mapping[uuid.UUID, FeePlanRecord | None],
    now: datetime,
    config: BookingSettings,
) -> list[Offer]:
    """Offer free places of one library to its waiting students, first come first served.

    `catalog` and `plans` were fetched before this transaction (see upstream.py).
    """
    library_id = catalog.id
    entries = WaitlistRepository(session, tenant_id)
    waiting = await entries.waiting_in(library_id)
    if not waiting:
        return []
    await lock_library(session, tenant_id, library_id)
    bookings = BookingRepository(session, tenant_id)
    pools = capacities(catalog)
    offers: list[Offer] = []
    for entry in waiting:
        today = local_today(entry.timezone, now)
        plan = plans.get(entry.fee_plan_id)
        too_late = today - entry.start_date > timedelta(days=config.waitlist_max_days_late)
        if plan is None or not plan.is_active or catalog.status != "active" or too_late:
            await entries.transition(
                entry.id,
                [WaitlistStatus.waiting],
                {"status": WaitlistStatus.closed, "closed_at": now, "updated_at": now},
            )
            continue
        start = max(entry.start_date, today)
        window = DailyWindow(entry.window_start, entry.window_end)
        occupancy = Occupancy.of(
            window, start, end_date(start, entry.duration_unit, entry.duration_value)
        )
        claim = Claim(
            library_id,
            entry.student_id,
            None,
            entry.seat_type,
            entry.allow_overlapping_bookings,
            pools,
        )
        occupants = await bookings.occupants(library_id, occupancy, now)
        floating = entry.seat_assignment == "floating"
        problem, seat = find_place(occupants, catalog, claim, occupancy, floating=floating)
        if problem is not None:
            continue
        booking = await _offer(session, entry, plan, catalog, seat, occupancy, now, config)
        offers.append(Offer(entry.id, booking.id))
    return offers


async def _offer(
    session: AsyncSession,
    entry: WaitlistEntry,
    plan: FeePlanRecord,
    catalog: LibraryCatalog,
    chosen: CatalogSeat | None,
    occupancy: Occupancy,
    now: datetime,
    config: BookingSettings,
) -> Booking:
    first, last = occupancy.ranges[0]
    expires = now + timedelta(minutes=config.offer_minutes)
    placement = Placement(
        tenant_id=entry.tenant_id,
        student_id=entry.student_id,
        library_id=entry.library_id,
        seat=chosen,
        seat_type=chosen.seat_type if chosen else entry.seat_type,
        shift_id=entry.shift_id,
        plan=plan.model_copy(
            update={"allow_overlapping_bookings": entry.allow_overlapping_bookings}
        ),
        window=occupancy.window,
        start_date=first,
        end_date=last,
        timezone=catalog.timezone,
        capacity=capacities(catalog),
    )
    booking = await place_hold(
        session,
        placement,
        now=now,
        hold_until=expires,
        actor=Actor.system("waitlist", tenant_id=entry.tenant_id),
        waitlist_entry_id=entry.id,
        price=(
            entry.price_paise,
            entry.registration_fee_paise,
            entry.security_deposit_paise,
            entry.gst_rate_percent,
            entry.price_includes_tax,
        ),
    )
    await WaitlistRepository(session, entry.tenant_id).transition(
        entry.id,
        [WaitlistStatus.waiting],
        {
            "status": WaitlistStatus.offered,
            "offer_booking_id": booking.id,
            "offered_at": now,
            "offer_expires_at": expires,
            "updated_at": now,
        },
    )
    await record(
        session,
        Actor.system("waitlist", tenant_id=entry.tenant_id),
        "waitlist.offered",
        entry.id,
        {"booking_id": str(booking.id)},
        resource_type="waitlist_entry",
    )
    await emit(
        session,
        WaitlistOffered(
            booking_id=booking.id,
            student_id=entry.student_id,
            library_id=entry.library_id,
            waitlist_entry_id=entry.id,
            offer_expires_at=expires,
        ),
        entry.tenant_id,
    )
    return booking
