"""Queries, the library lock and conditional transitions of bookings; all scoped to one tenant.

Locking rule (race-freedom): every change to who occupies what in a library
— a new hold, a transfer, a pause that extends, a waitlist offer — first takes
`lock_library` for (tenant, library), then checks conflicts, then writes, in
one transaction. On PostgreSQL that is a transaction-scoped advisory lock; on
SQLite the unit of work already holds the database's single write lock
(BEGIN IMMEDIATE) from its first statement. The lock is per library rather
than per seat because floating places tie every seat of a library together: a
reserved seat taken is a place floating students no longer have, so a seat
lock alone would let a reserved and a floating booking both take the last
place. Bookings are made at human speed, so one queue per library costs
nothing measurable (see docs/performance.md).

Releasing a place (cancel, expiry) needs no lock: it can only make room.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from studyspot.kit.locks import lock_until_commit
from studyspot.kit.repository import TenantRepository
from studyspot.services.booking.models import (
    HOLDING,
    Booking,
    BookingDayRelease,
    BookingPause,
    BookingStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from studyspot.services.booking.rules import DailyWindow, Occupancy, minus_ranges

ONE_DAY = timedelta(days=1)


async def lock_library(session: AsyncSession, tenant_id: uuid.UUID, library_id: uuid.UUID) -> None:
    """Serialise occupancy changes of one library until the transaction ends (see module doc)."""
    await lock_until_commit(session, "booking", tenant_id, library_id)


def touching(wanted: Occupancy) -> ColumnElement[bool]:
    """Rows whose segments (rules.py) may overlap one of `wanted`'s, as SQL.

    A row's window is plain (one segment: its days, [start, end)) or crosses
    midnight (an evening segment on its days, [start, 24:00), and a morning
    one on the days after, [00:00, end)). Bounds are parameters, so the same
    SQL serves SQLite, where dates are text and cannot take arithmetic.
    """
    c = Booking.__table__.c
    plain = c.window_end > c.window_start
    across = c.window_end < c.window_start
    clauses: list[ColumnElement[bool]] = []
    for seg in wanted.segments:
        first, last = date.fromordinal(seg.first), date.fromordinal(seg.last)
        clauses.append(
            and_(
                plain,
                c.end_date >= first,
                c.start_date <= last,
                c.window_start < seg.end,
                c.window_end > seg.start,
            )
        )
        clauses.append(
            and_(across, c.end_date >= first, c.start_date <= last, c.window_start < seg.end)
        )
        clauses.append(
            and_(
                across,
                c.end_date >= first - ONE_DAY,
                c.start_date <= last - ONE_DAY,
                c.window_end > seg.start,
            )
        )
    return or_(*clauses)


def holds_place(now: datetime, booking: Any = Booking) -> ColumnElement[bool]:
    """Confirmed or active, or pending with a hold that has not run out (of `booking`, an alias)."""
    return or_(
        booking.status.in_([s.value for s in HOLDING]),
        and_(booking.status == BookingStatus.pending_payment, booking.hold_expires_at > now),
    )


@dataclass(frozen=True, slots=True)
class Occupant:
    """A booking holding a place, as the conflict rule needs it."""

    id: uuid.UUID
    student_id: uuid.UUID
    seat_id: uuid.UUID | None
    seat_type: str
    seat_assignment: str
    status: str
    occupancy: Occupancy = field(compare=False)
    # A pending hold's end: from then on it holds nothing (`holds_place`).
    hold_expires_at: datetime | None = None

    @property
    def floating(self) -> bool:
        return self.seat_assignment == "floating"


_bookings = Booking.__table__.c
_OCCUPANT_COLUMNS = (
    _bookings.id,
    _bookings.student_id,
    _bookings.seat_id,
    _bookings.seat_type,
    _bookings.seat_assignment,
    _bookings.status,
    _bookings.window_start,
    _bookings.window_end,
    _bookings.start_date,
    _bookings.end_date,
    _bookings.releases_seat_on_pause,
    _bookings.hold_expires_at,
)
_ATTENDANCE_COLUMNS = (
    _bookings.id,
    _bookings.student_id,
    _bookings.library_id,
    _bookings.seat_id,
    _bookings.seat_label,
    _bookings.shift_id,
    _bookings.seat_assignment,
    _bookings.status,
    _bookings.window_start,
    _bookings.window_end,
    _bookings.start_date,
    _bookings.end_date,
    _bookings.timezone,
)


@dataclass
class BookingFilter:
    student_id: uuid.UUID | None = None
    library_ids: Collection[uuid.UUID] | None = None
    seat_id: uuid.UUID | None = None
    status: str | None = None
    from_date: date | None = None
    to_date: date | None = None


SORTABLE: dict[str, Any] = {
    "created_at": Booking.created_at,
    "start_date": Booking.start_date,
    "end_date": Booking.end_date,
}


class BookingRepository(TenantRepository[Booking]):
    model = Booking

    async def occupants(
        self,
        library_id: uuid.UUID,
        wanted: Occupancy,
        now: datetime,
        *,
        exclude: uuid.UUID | None = None,
        around: tuple[uuid.UUID, uuid.UUID] | None = None,
    ) -> list[Occupant]:
        """Bookings of the library holding a place that may share a minute with `wanted`.

        SQL narrows by dates (widened by a day: a window across midnight
        reaches into the next one) and by time of day (`touching`); the exact
        rule (rules.conflicts) is applied by the caller. With `around` (seat,
        student) only that seat's, that student's and the floating bookings are
        read: all a reserved claim can collide with unless a floating one is among
        them (placement.ensure_free).
        """
        first = min(r[0] for r in wanted.ranges)
        last = max(r[1] for r in wanted.ranges)
        query = select(*_OCCUPANT_COLUMNS).where(
            Booking.tenant_id == self.tenant_id,
            Booking.library_id == library_id,
            Booking.end_date >= first - ONE_DAY,
            Booking.start_date <= last + ONE_DAY,
            holds_place(now),
            touching(wanted),
        )
        if exclude is not None:
            query = query.where(Booking.id != exclude)
        if around is not None:
            seat_id, student_id = around
            query = query.where(
                or_(
                    Booking.seat_id == seat_id,
                    Booking.student_id == student_id,
                    Booking.seat_assignment == "floating",
                )
            )
        # Core rows, not ORM processing: availability reads thousands of these per request.
        connection = await self.session.connection()
        rows = (await connection.execute(query)).all()
        released = await self.released_pauses([r[0] for r in rows if r[10]])
        for booking_id, day in await self.released_days(library_id, first - ONE_DAY, last):
            released[booking_id].append((day, day))
        windows: dict[tuple[int, int], DailyWindow] = {}
        # Bookings sold alike share one (immutable) Occupancy: a full library repeats a few.
        alike: dict[tuple[int, int, date, date], Occupancy] = {}
        found: list[Occupant] = []
        for r in rows:
            holes = released.get(r[0])
            key = (r[6], r[7], r[8], r[9])
            occupancy = None if holes else alike.get(key)
            if occupancy is None:
                window = windows.get((r[6], r[7]))
                if window is None:
                    window = windows[(r[6], r[7])] = DailyWindow(r[6], r[7])
                ranges = minus_ranges(r[8], r[9], holes) if holes else ((r[8], r[9]),)
                occupancy = Occupancy(window, ranges)
                if not holes:
                    alike[key] = occupancy
            found.append(Occupant(r[0], r[1], r[2], r[3], r[4], r[5], occupancy, r[11]))
        return found

    async def released_pauses(
        self, booking_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[date, date]]]:
        return await self.pause_ranges(booking_ids, releasing_only=True)

    async def released_days(
        self, library_id: uuid.UUID, first: date, last: date, *, booking_id: uuid.UUID | None = None
    ) -> list[tuple[uuid.UUID, date]]:
        """Days in [first, last] a booking of the library gave back (a no-show), by booking."""
        query = select(BookingDayRelease.booking_id, BookingDayRelease.day).where(
            BookingDayRelease.tenant_id == self.tenant_id,
            BookingDayRelease.library_id == library_id,
            BookingDayRelease.day >= first,
            BookingDayRelease.day <= last,
        )
        if booking_id is not None:
            query = query.where(BookingDayRelease.booking_id == booking_id)
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def occupancy_of(self, booking: Booking) -> Occupancy:
        released: list[tuple[date, date]] = []
        if booking.releases_seat_on_pause:
            released = (await self.released_pauses([booking.id])).get(booking.id, [])
        released += [
            (day, day)
            for _, day in await self.released_days(
                booking.library_id, booking.start_date, booking.end_date, booking_id=booking.id
            )
        ]
        return Occupancy(
            DailyWindow(booking.window_start, booking.window_end),
            minus_ranges(booking.start_date, booking.end_date, released),
        )

    async def holding_between(
        self,
        first: date,
        last: date,
        *,
        library_id: uuid.UUID | None,
        student_id: uuid.UUID | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Row[Any]]:
        """Confirmed and active bookings whose date range touches [first, last], by id:
        the columns attendance reads, not entities (every check-in asks this)."""
        query = self.scoped(select(*_ATTENDANCE_COLUMNS)).where(
            Booking.status.in_([s.value for s in HOLDING]),
            Booking.start_date <= last,
            Booking.end_date >= first,
        )
        if library_id is not None:
            query = query.where(Booking.library_id == library_id)
        if student_id is not None:
            query = query.where(Booking.student_id == student_id)
        if after is not None:
            query = query.where(Booking.id > after)
        rows: Sequence[Row[Any]] = (
            await self.session.execute(query.order_by(Booking.id).limit(limit))
        ).all()
        return rows

    async def pause_ranges(
        self, booking_ids: Sequence[uuid.UUID], *, releasing_only: bool = False
    ) -> dict[uuid.UUID, list[tuple[date, date]]]:
        """The pauses of these bookings as date ranges: every one, or only those that gave
        the seat back (`releasing_only`, what the conflict rule reads)."""
        found: dict[uuid.UUID, list[tuple[date, date]]] = defaultdict(list)
        if not booking_ids:
            return found
        query = select(
            BookingPause.booking_id, BookingPause.start_date, BookingPause.end_date
        ).where(
            BookingPause.tenant_id == self.tenant_id,
            BookingPause.booking_id.in_(sorted(set(booking_ids))),
        )
        if releasing_only:
            query = query.where(BookingPause.releases_seat.is_(True))
        rows = await self.session.execute(query)
        for booking_id, p_first, p_last in rows:
            found[booking_id].append((p_first, p_last))
        return found

    async def has_paid_booking(self, student_id: uuid.UUID, library_id: uuid.UUID) -> bool:
        """Whether the student ever had a booking at this library confirmed (paid)."""
        query = self.scoped(select(Booking.id)).where(
            Booking.student_id == student_id,
            Booking.library_id == library_id,
            Booking.confirmed_at.is_not(None),
        )
        return (await self.session.scalar(query.limit(1))) is not None

    async def transition(
        self,
        booking_id: uuid.UUID,
        expected: Collection[str],
        values: dict[str, Any],
        *conditions: ColumnElement[bool],
    ) -> bool:
        """One conditional UPDATE from an expected status; True when this call won."""
        result = await self.session.execute(
            update(Booking)
            .where(
                Booking.tenant_id == self.tenant_id,
                Booking.id == booking_id,
                Booking.status.in_(sorted(expected)),
                *conditions,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def reload(self, booking_id: uuid.UUID) -> Booking | None:
        query = self.select().where(Booking.id == booking_id)
        return (await self.session.scalars(query.execution_options(populate_existing=True))).first()

    def listing(self, flt: BookingFilter, now: datetime) -> Select[Booking]:
        query = self.select()
        if flt.student_id is not None:
            query = query.where(Booking.student_id == flt.student_id)
        if flt.library_ids is not None:
            query = query.where(Booking.library_id.in_(sorted(flt.library_ids)))
        if flt.seat_id is not None:
            query = query.where(Booking.seat_id == flt.seat_id)
        if flt.from_date is not None:
            query = query.where(Booking.end_date >= flt.from_date)
        if flt.to_date is not None:
            query = query.where(Booking.start_date <= flt.to_date)
        if flt.status is not None:
            query = query.where(status_is(flt.status, now))
        return query

    async def due_holds(self, now: datetime, limit: int) -> list[uuid.UUID]:
        rows = await self.session.scalars(
            self.scoped(select(Booking.id))
            .where(
                Booking.status == BookingStatus.pending_payment,
                Booking.hold_expires_at <= now,
            )
            .order_by(Booking.hold_expires_at)
            .limit(limit)
        )
        return list(rows)

    async def starting_by(self, day: date, limit: int) -> list[Booking]:
        return await self.all(
            self.select()
            .where(Booking.status == BookingStatus.confirmed, Booking.start_date <= day)
            .order_by(Booking.start_date)
            .limit(limit)
        )

    async def ended_before(self, day: date, limit: int) -> list[Booking]:
        return await self.all(
            self.select()
            .where(Booking.status == BookingStatus.active, Booking.end_date < day)
            .order_by(Booking.end_date)
            .limit(limit)
        )

    async def renewal_due_by(self, day: date, limit: int) -> list[Booking]:
        return await self.all(
            self.select()
            .where(
                Booking.status.in_([s.value for s in HOLDING]),
                Booking.renewal_notified_at.is_(None),
                Booking.end_date <= day,
            )
            .order_by(Booking.end_date)
            .limit(limit)
        )

    async def live_renewal_of(self, booking_id: uuid.UUID, now: datetime) -> uuid.UUID | None:
        query = self.scoped(select(Booking.id)).where(
            Booking.renewed_from_id == booking_id, holds_place(now)
        )
        found: uuid.UUID | None = await self.session.scalar(query.limit(1))
        return found

    async def paid_ending_between(
        self, first: date, last: date, now: datetime, *, library_id: uuid.UUID | None = None
    ) -> list[tuple[uuid.UUID, date, str]]:
        """(student, end date, time zone) of paid bookings ending in [first, last] not followed
        by a later booking of the same student that holds a place (a renewal, paid or held)."""
        later = aliased(Booking)
        renewed = exists().where(
            later.tenant_id == self.tenant_id,
            later.student_id == Booking.student_id,
            later.start_date > Booking.end_date,
            holds_place(now, later),
        )
        query = select(Booking.student_id, Booking.end_date, Booking.timezone).where(
            Booking.tenant_id == self.tenant_id,
            Booking.status.in_([s.value for s in HOLDING]),
            Booking.end_date >= first,
            Booking.end_date <= last,
            ~renewed,
        )
        if library_id is not None:
            query = query.where(Booking.library_id == library_id)
        return [(r[0], r[1], r[2]) for r in await self.session.execute(query)]

    async def pauses_of(self, booking_id: uuid.UUID) -> list[BookingPause]:
        rows = await self.session.scalars(
            select(BookingPause)
            .where(BookingPause.tenant_id == self.tenant_id, BookingPause.booking_id == booking_id)
            .order_by(BookingPause.start_date)
        )
        return list(rows)


def status_is(status: str, now: datetime) -> ColumnElement[bool]:
    """Filter on the status a reader sees (a lapsed pending hold reads as expired)."""
    if status == BookingStatus.pending_payment:
        return and_(Booking.status == status, Booking.hold_expires_at > now)
    if status == BookingStatus.expired:
        return or_(
            Booking.status == status,
            and_(Booking.status == BookingStatus.pending_payment, Booking.hold_expires_at <= now),
        )
    return Booking.status == status


class WaitlistRepository(TenantRepository[WaitlistEntry]):
    model = WaitlistEntry

    async def waiting_in(self, library_id: uuid.UUID, limit: int = 200) -> list[WaitlistEntry]:
        return await self.all(
            self.select()
            .where(
                WaitlistEntry.library_id == library_id,
                WaitlistEntry.status == WaitlistStatus.waiting,
            )
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
            .limit(limit)
        )

    async def libraries_waiting(self) -> list[uuid.UUID]:
        rows = await self.session.scalars(
            self.scoped(select(WaitlistEntry.library_id))
            .where(WaitlistEntry.status == WaitlistStatus.waiting)
            .distinct()
        )
        return sorted(rows)

    async def already_waiting(
        self, student_id: uuid.UUID, library_id: uuid.UUID, window: DailyWindow
    ) -> bool:
        query = self.scoped(select(WaitlistEntry.id)).where(
            WaitlistEntry.student_id == student_id,
            WaitlistEntry.library_id == library_id,
            WaitlistEntry.window_start == window.start,
            WaitlistEntry.window_end == window.end,
            WaitlistEntry.status.in_([WaitlistStatus.waiting, WaitlistStatus.offered]),
        )
        return (await self.session.scalar(query.limit(1))) is not None

    async def position(self, entry: WaitlistEntry) -> int | None:
        if entry.status != WaitlistStatus.waiting:
            return None
        ahead = await self.session.scalar(
            self.scoped(select(func.count()).select_from(WaitlistEntry)).where(
                WaitlistEntry.library_id == entry.library_id,
                WaitlistEntry.window_start == entry.window_start,
                WaitlistEntry.window_end == entry.window_end,
                WaitlistEntry.status == WaitlistStatus.waiting,
                or_(
                    WaitlistEntry.created_at < entry.created_at,
                    and_(
                        WaitlistEntry.created_at == entry.created_at,
                        WaitlistEntry.id < entry.id,
                    ),
                ),
            )
        )
        return int(ahead or 0) + 1

    async def transition(
        self, entry_id: uuid.UUID, expected: Collection[str], values: dict[str, Any]
    ) -> bool:
        result = await self.session.execute(
            update(WaitlistEntry)
            .where(
                WaitlistEntry.tenant_id == self.tenant_id,
                WaitlistEntry.id == entry_id,
                WaitlistEntry.status.in_(sorted(expected)),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def has_waiting(self, library_id: uuid.UUID) -> bool:
        query = select(
            exists().where(
                WaitlistEntry.tenant_id == self.tenant_id,
                WaitlistEntry.library_id == library_id,
                WaitlistEntry.status == WaitlistStatus.waiting,
            )
        )
        return bool(await self.session.scalar(query))
