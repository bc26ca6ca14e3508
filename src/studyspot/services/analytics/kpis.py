"""The owner's numbers, computed from the read models (definitions: docs/analytics.md).

Days are the library's local days: a booking's dates and an attendance
occurrence's day are already local; instants (captures, refunds, cancellations,
check-ins) are turned into local dates with the library's time zone here.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row as Row_
from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from studyspot.services.analytics.access import Library
from studyspot.services.analytics.models import (
    AnalyticsBooking,
    AnalyticsBookingSegment,
    AnalyticsCapacity,
    AnalyticsCheckIn,
    AnalyticsEvent,
    AnalyticsMoney,
    AnalyticsNoShow,
)

AT_RISK_WINDOW_DAYS = 14
AT_RISK_HORIZON_DAYS = 14
BUCKETS = (("0-7", 0, 7), ("8-15", 8, 15), ("16-30", 16, 30), ("31+", 31, None))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def months(first: date, last: date) -> list[date]:
    out, at = [], month_start(first)
    while at <= last:
        out.append(at)
        at = next_month(at)
    return out


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def as_of(session: AsyncSession, tenant_id: uuid.UUID) -> datetime | None:
    """When the last event applied for the tenant happened (None: no event yet)."""
    found: datetime | None = await session.scalar(
        select(func.max(AnalyticsEvent.occurred_at)).where(AnalyticsEvent.tenant_id == tenant_id)
    )
    if found is not None and found.tzinfo is None:
        found = found.replace(tzinfo=UTC)
    return found


@dataclass(frozen=True)
class Stretch:
    """Local days `first` to `last` (both included) a booking held `shift_id` (None: no
    shift, a full-day plan, holding its seat in every shift)."""

    shift_id: uuid.UUID | None
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass
class Booking:
    id: uuid.UUID
    student_id: uuid.UUID | None
    shift_id: uuid.UUID | None
    start: date
    end: date
    charged: int
    status: str
    confirmed: bool
    cancelled_on: date | None
    renewed_from_id: uuid.UUID | None
    # Its shifts over time (split by transfers). A booking projected before segments were
    # kept has none until it is refolded: it is read as one stretch on its current shift.
    stretches: list[Stretch] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.stretches:
            self.stretches = [Stretch(self.shift_id, self.start, self.end)]

    @property
    def billed(self) -> bool:
        """Owed: not lapsed unpaid, and not cancelled before it was ever confirmed."""
        if self.status == "expired":
            return False
        return not (self.status == "cancelled" and not self.confirmed)

    def _held_until(self) -> date:
        if self.cancelled_on is None:
            return self.end
        return min(self.end, self.cancelled_on - timedelta(days=1))

    def seat_days(self, first: date, last: date) -> int:
        """Days in [first, last] the booking held its seat: confirmed, until cancelled."""
        if not self.confirmed:
            return 0
        lo, hi = max(first, self.start), min(last, self._held_until())
        return (hi - lo).days + 1 if hi >= lo else 0

    def seat_days_by_shift(self, first: date, last: date) -> dict[uuid.UUID | None, int]:
        """`seat_days` of [first, last], by the shift held on each of those days."""
        out: dict[uuid.UUID | None, int] = defaultdict(int)
        if not self.confirmed:
            return out
        until = self._held_until()
        for part in self.stretches:
            lo, hi = max(first, part.first), min(last, part.last, until)
            if hi >= lo:
                out[part.shift_id] += (hi - lo).days + 1
        return out

    def split(self, amount: int) -> dict[uuid.UUID | None, int]:
        """`amount` shared among the shifts the booking held, by their days of the whole
        booking (cancellation aside): floors of the running share, so the parts add up to
        `amount` exactly."""
        total = sum(p.days for p in self.stretches)
        out: dict[uuid.UUID | None, int] = defaultdict(int)
        if total <= 0:
            out[self.shift_id] += amount
            return out
        done = 0
        for part in self.stretches:
            before, done = done, done + part.days
            out[part.shift_id] += amount * done // total - amount * before // total
        return out


def _overlapping(
    tenant_id: uuid.UUID, library: Library, first: date, last: date
) -> list[ColumnElement[bool]]:
    return [
        AnalyticsBooking.tenant_id == tenant_id,
        AnalyticsBooking.library_id == library.id,
        AnalyticsBooking.start_date <= last,
        AnalyticsBooking.end_date >= first,
    ]


async def _bookings(
    session: AsyncSession, tenant_id: uuid.UUID, library: Library, first: date, last: date
) -> list[Booking]:
    return await _with_stretches(
        session, tenant_id, library, _overlapping(tenant_id, library, first, last)
    )


async def _with_stretches(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    library: Library,
    where: list[ColumnElement[bool]],
) -> list[Booking]:
    """The bookings matching `where`, each with its shifts over time (its segments)."""
    rows = (await session.scalars(select(AnalyticsBooking).where(*where))).all()
    parts = await session.execute(
        select(
            AnalyticsBookingSegment.booking_id,
            AnalyticsBookingSegment.shift_id,
            AnalyticsBookingSegment.from_date,
            AnalyticsBookingSegment.to_date,
        )
        .join(
            AnalyticsBooking,
            (AnalyticsBooking.booking_id == AnalyticsBookingSegment.booking_id)
            & (AnalyticsBooking.tenant_id == AnalyticsBookingSegment.tenant_id),
        )
        .where(AnalyticsBookingSegment.tenant_id == tenant_id, *where)
        .order_by(AnalyticsBookingSegment.booking_id, AnalyticsBookingSegment.seq)
    )
    stretches: dict[uuid.UUID, list[Stretch]] = defaultdict(list)
    for booking_id, shift_id, from_date, to_date in parts.all():
        stretches[booking_id].append(Stretch(shift_id, from_date, to_date))
    return [
        _booking(r, library.timezone, stretches.get(r.booking_id, []))
        for r in rows
        if r.start_date is not None and r.end_date is not None
    ]


def _booking(
    row: AnalyticsBooking, tz: ZoneInfo, stretches: list[Stretch] | None = None
) -> Booking:
    assert row.start_date is not None and row.end_date is not None
    cancelled = row.cancelled_at.astimezone(tz).date() if row.cancelled_at else None
    return Booking(
        row.booking_id,
        row.student_id,
        row.shift_id,
        row.start_date,
        row.end_date,
        row.charged_paise,
        row.status,
        row.confirmed,
        cancelled,
        row.renewed_from_id,
        list(stretches or []),
    )


@dataclass
class Money:
    booking_id: uuid.UUID
    kind: str
    amount: int
    day: date  # local

    @property
    def net(self) -> int:
        return self.amount if self.kind == "captured" else -self.amount


async def _money(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    library: Library,
    booking_ids: Iterable[uuid.UUID] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[Money]:
    """Captures and refunds of the library's bookings (of `booking_ids`, or local days in
    [since, until])."""
    query = (
        select(
            AnalyticsMoney.booking_id,
            AnalyticsMoney.kind,
            AnalyticsMoney.amount_paise,
            AnalyticsMoney.at,
        )
        .join(
            AnalyticsBooking,
            (AnalyticsBooking.booking_id == AnalyticsMoney.booking_id)
            & (AnalyticsBooking.tenant_id == AnalyticsMoney.tenant_id),
        )
        .where(AnalyticsMoney.tenant_id == tenant_id, AnalyticsBooking.library_id == library.id)
    )
    if booking_ids is not None:
        query = query.where(AnalyticsMoney.booking_id.in_(list(booking_ids)))
    if since is not None:
        query = query.where(AnalyticsMoney.at >= local_midnight(since, library.timezone))
    if until is not None:
        query = query.where(
            AnalyticsMoney.at < local_midnight(until + timedelta(days=1), library.timezone)
        )
    rows = (await session.execute(query)).all()
    return [Money(r[0], r[1], r[2], r[3].astimezone(library.timezone).date()) for r in rows]


@dataclass
class Row:
    month: str
    shift_id: uuid.UUID | None
    shift_name: str | None
    available_seat_shifts: int = 0
    booked_seat_shifts: int = 0
    attended_seat_shifts: int = 0
    no_shows: int = 0
    billed_paise: int = 0
    collected_of_billed_paise: int = 0
    collected_paise: int = 0
    bookings_ending: int = 0
    renewed: int = 0
    student_ids: set[uuid.UUID] = field(default_factory=set)

    def as_dict(self) -> dict[str, object]:
        booked = ratio(self.booked_seat_shifts, self.available_seat_shifts)
        physical = ratio(self.attended_seat_shifts, self.available_seat_shifts)
        renewal = ratio(self.renewed, self.bookings_ending)
        students = len(self.student_ids)
        return {
            "month": self.month,
            "shift_id": self.shift_id,
            "shift_name": self.shift_name,
            "available_seat_shifts": self.available_seat_shifts,
            "booked_seat_shifts": self.booked_seat_shifts,
            "attended_seat_shifts": self.attended_seat_shifts,
            "no_shows": self.no_shows,
            "booked_occupancy": booked,
            "physical_occupancy": physical,
            "no_show_gap": ratio(
                self.booked_seat_shifts - self.attended_seat_shifts, self.available_seat_shifts
            ),
            "billed_paise": self.billed_paise,
            "collected_of_billed_paise": self.collected_of_billed_paise,
            "collection_efficiency": ratio(self.collected_of_billed_paise, self.billed_paise),
            "collected_paise": self.collected_paise,
            "revenue_per_available_seat_shift_paise": self.billed_paise
            // self.available_seat_shifts
            if self.available_seat_shifts
            else None,
            "students": students,
            "arpu_paise": self.billed_paise // students if students else None,
            "bookings_ending": self.bookings_ending,
            "renewed": self.renewed,
            "renewal_rate": renewal,
            "churn_rate": round(1 - renewal, 4) if renewal is not None else None,
        }


async def monthly(
    session: AsyncSession, tenant_id: uuid.UUID, library: Library, first: date, last: date
) -> list[dict[str, object]]:
    """One row per month for the library (shift null) and one per month and shift."""
    span = months(first, last)
    period_end = next_month(span[-1]) - timedelta(days=1)
    names = {s.id: s.name for s in library.shifts}
    rows: dict[tuple[str, uuid.UUID | None], Row] = {}
    for m in span:
        key = month_key(m)
        rows[(key, None)] = Row(key, None, None)
        for shift in library.shifts:
            rows[(key, shift.id)] = Row(key, shift.id, shift.name)
    history = await _capacity(session, tenant_id, library, period_end)
    for each, seats, open_shifts in history.days(span[0], period_end):
        key = month_key(each)
        rows[(key, None)].available_seat_shifts += seats * len(open_shifts)
        for open_id in open_shifts & names.keys():
            rows[(key, open_id)].available_seat_shifts += seats

    def targets(key: str, shift_id: uuid.UUID | None) -> list[Row]:
        found = [rows[(key, None)]]
        if shift_id is not None and (key, shift_id) in rows:
            found.append(rows[(key, shift_id)])
        return found

    bookings = await _bookings(session, tenant_id, library, span[0], period_end)
    billed_ids = [b.id for b in bookings if b.billed and span[0] <= b.start <= period_end]
    net_by_booking: dict[uuid.UUID, int] = defaultdict(int)
    for money in await _money(session, tenant_id, library, booking_ids=billed_ids):
        net_by_booking[money.booking_id] += money.net
    renewed_ids = await _renewed(session, tenant_id, [b.id for b in bookings])
    for b in bookings:
        for m in span:
            key = month_key(m)
            by_shift = b.seat_days_by_shift(m, next_month(m) - timedelta(days=1))
            for shift_id, seat_days in by_shift.items():
                if shift_id is None:
                    # A full-day stretch (no shift) holds its seat in every shift of the day.
                    rows[(key, None)].booked_seat_shifts += seat_days * len(names)
                    for every in names:
                        rows[(key, every)].booked_seat_shifts += seat_days
                    continue
                for row in targets(key, shift_id):
                    row.booked_seat_shifts += seat_days
        if b.billed and span[0] <= b.start <= period_end:
            key = month_key(b.start)
            whole = rows[(key, None)]
            whole.billed_paise += b.charged
            whole.collected_of_billed_paise += net_by_booking[b.id]
            if b.student_id is not None:
                whole.student_ids.add(b.student_id)
            # A shift's part: the booking's charge and collections shared by its days there.
            shares = b.split(b.charged)
            collected = b.split(net_by_booking[b.id])
            for shift_id in shares:
                if shift_id is None or (key, shift_id) not in rows:
                    continue
                row = rows[(key, shift_id)]
                row.billed_paise += shares[shift_id]
                row.collected_of_billed_paise += collected[shift_id]
                if b.student_id is not None:
                    row.student_ids.add(b.student_id)
        if b.confirmed and b.status != "cancelled" and span[0] <= b.end <= period_end:
            # A booking ends in the shift it holds on its last day.
            for row in targets(month_key(b.end), b.shift_id):
                row.bookings_ending += 1
                row.renewed += int(b.id in renewed_ids)
    by_id = {b.id: b for b in bookings}
    cash = await _money(session, tenant_id, library, since=span[0], until=period_end)
    unknown = list({m.booking_id for m in cash if m.booking_id not in by_id})
    if unknown:
        by_id.update({b.id: b for b in await _by_ids(session, tenant_id, library, unknown)})
    for money in cash:
        key = month_key(money.day)
        rows[(key, None)].collected_paise += money.net
        paid_for = by_id.get(money.booking_id)
        if paid_for is None:
            continue
        # Shared among the booking's shifts by its days there, as its charge is.
        for shift_id, part in paid_for.split(money.net).items():
            if shift_id is not None and (key, shift_id) in rows:
                rows[(key, shift_id)].collected_paise += part
    for model, target in (
        (AnalyticsCheckIn, "attended_seat_shifts"),
        (AnalyticsNoShow, "no_shows"),
    ):
        counted = await session.execute(
            select(model.shift_id, model.day, func.count())
            .where(
                model.tenant_id == tenant_id,
                model.library_id == library.id,
                model.day >= span[0],
                model.day <= period_end,
            )
            .group_by(model.shift_id, model.day)
        )
        for shift_id, day, n in counted.all():
            for row in targets(month_key(day), shift_id):
                setattr(row, target, getattr(row, target) + int(n))
    return [row.as_dict() for row in rows.values()]


@dataclass
class Capacity:
    """A library's seats in service and shifts on each local day: as of the day's end from
    `library.capacity_changed`, or today's catalog before the first such event (a library
    untouched since the event existed has no history)."""

    library: Library
    # (local day the change took effect, seats, shift ids), in the order they happened.
    changes: list[tuple[date, int, frozenset[uuid.UUID]]]

    def days(self, first: date, last: date) -> Iterator[tuple[date, int, frozenset[uuid.UUID]]]:
        """Each day of [first, last] with its seats and shifts (one pass over the changes)."""
        seats = self.library.active_seats
        shifts = frozenset(s.id for s in self.library.shifts)
        at, day = 0, first
        while day <= last:
            while at < len(self.changes) and self.changes[at][0] <= day:
                _, seats, shifts = self.changes[at]
                at += 1
            yield day, seats, shifts
            day += timedelta(days=1)


async def _capacity(
    session: AsyncSession, tenant_id: uuid.UUID, library: Library, last: date
) -> Capacity:
    rows = await session.execute(
        select(AnalyticsCapacity.at, AnalyticsCapacity.active_seats, AnalyticsCapacity.shift_ids)
        .where(
            AnalyticsCapacity.tenant_id == tenant_id,
            AnalyticsCapacity.library_id == library.id,
            AnalyticsCapacity.at < local_midnight(last + timedelta(days=1), library.timezone),
        )
        .order_by(AnalyticsCapacity.at, AnalyticsCapacity.id)
    )
    changes = [
        (
            _local_day(at, library.timezone),
            int(seats),
            frozenset(uuid.UUID(str(s)) for s in shifts),
        )
        for at, seats, shifts in rows.all()
    ]
    return Capacity(library, changes)


def _local_day(at: datetime, tz: ZoneInfo) -> date:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz).date()


async def _renewed(
    session: AsyncSession, tenant_id: uuid.UUID, booking_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of `booking_ids` renewed by a booking that was confirmed."""
    if not booking_ids:
        return set()
    found = await session.scalars(
        select(AnalyticsBooking.renewed_from_id).where(
            AnalyticsBooking.tenant_id == tenant_id,
            AnalyticsBooking.renewed_from_id.in_(booking_ids),
            AnalyticsBooking.confirmed.is_(True),
        )
    )
    return {r for r in found if r is not None}


async def _by_ids(
    session: AsyncSession, tenant_id: uuid.UUID, library: Library, booking_ids: list[uuid.UUID]
) -> list[Booking]:
    return await _with_stretches(
        session,
        tenant_id,
        library,
        [AnalyticsBooking.tenant_id == tenant_id, AnalyticsBooking.booking_id.in_(booking_ids)],
    )


def _dues_query(tenant_id: uuid.UUID, library: Library, on: date) -> Select[Any]:
    """Open dues on `on` (local): bookings held or confirmed, started by then, with
    charged - (captured - refunded by the end of `on`) > 0, aged from the start date.

    The rows, their outstanding amount and their bucket, all in SQL, so that a page of
    them and the bucket totals are read without loading every open booking.
    """
    cutoff = local_midnight(on + timedelta(days=1), library.timezone)
    signed = case(
        (AnalyticsMoney.kind == "captured", AnalyticsMoney.amount_paise),
        else_=-AnalyticsMoney.amount_paise,
    )
    paid_by = (
        select(AnalyticsMoney.booking_id, func.sum(signed).label("paid"))
        .where(AnalyticsMoney.tenant_id == tenant_id, AnalyticsMoney.at < cutoff)
        .group_by(AnalyticsMoney.booking_id)
        .subquery()
    )
    paid = func.coalesce(paid_by.c.paid, 0)
    outstanding = AnalyticsBooking.charged_paise - paid
    # Ages are whole days since the start: a bucket is a range of start dates.
    bucket = case(
        *[
            (AnalyticsBooking.start_date >= on - timedelta(days=hi), name)
            for name, _, hi in BUCKETS
            if hi is not None
        ],
        else_=BUCKETS[-1][0],
    )
    query = (
        select(
            AnalyticsBooking.booking_id,
            AnalyticsBooking.student_id,
            AnalyticsBooking.start_date,
            AnalyticsBooking.charged_paise,
            paid.label("paid_paise"),
            outstanding.label("outstanding_paise"),
            bucket.label("bucket"),
        )
        .outerjoin(paid_by, paid_by.c.booking_id == AnalyticsBooking.booking_id)
        .where(
            AnalyticsBooking.tenant_id == tenant_id,
            AnalyticsBooking.library_id == library.id,
            AnalyticsBooking.status.in_(("held", "confirmed")),
            AnalyticsBooking.start_date <= on,
            outstanding > 0,
        )
    )
    return query


def _due(row: Row_[Any], on: date) -> dict[str, object]:
    return {
        "booking_id": row.booking_id,
        "student_id": row.student_id,
        "start_date": row.start_date,
        "charged_paise": row.charged_paise,
        "paid_paise": int(row.paid_paise),
        "outstanding_paise": int(row.outstanding_paise),
        "days_outstanding": (on - row.start_date).days,
        "bucket": row.bucket,
    }


async def dues_buckets(
    session: AsyncSession, tenant_id: uuid.UUID, library: Library, on: date
) -> list[dict[str, object]]:
    """Every bucket, in order, with its open bookings and what they owe."""
    inner = _dues_query(tenant_id, library, on).subquery()
    totals = {
        name: (int(n), int(owed or 0))
        for name, n, owed in (
            await session.execute(
                select(inner.c.bucket, func.count(), func.sum(inner.c.outstanding_paise)).group_by(
                    inner.c.bucket
                )
            )
        ).all()
    }
    return [
        {
            "bucket": name,
            "bookings": totals.get(name, (0, 0))[0],
            "outstanding_paise": totals.get(name, (0, 0))[1],
        }
        for name, _, _ in BUCKETS
    ]


async def dues_items(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    library: Library,
    on: date,
    offset: int = 0,
    limit: int | None = None,
) -> list[dict[str, object]]:
    """Open dues, oldest first (then by booking id): `limit` of them from `offset`, or all."""
    query = _dues_query(tenant_id, library, on).order_by(
        AnalyticsBooking.start_date, AnalyticsBooking.booking_id
    )
    if limit is not None:
        query = query.offset(offset).limit(limit)
    return [_due(row, on) for row in (await session.execute(query)).all()]


async def cohorts(
    session: AsyncSession, tenant_id: uuid.UUID, library: Library, first: date, last: date
) -> list[dict[str, object]]:
    """Students by the local month of their first captured payment at the library; for each
    month since, how many of them held a seat (a confirmed booking's day) in it."""
    span = months(first, last)
    period_end = next_month(span[-1]) - timedelta(days=1)
    firsts: dict[uuid.UUID, date] = {}
    rows = await session.execute(
        select(AnalyticsBooking.student_id, func.min(AnalyticsMoney.at))
        .join(
            AnalyticsBooking,
            (AnalyticsBooking.booking_id == AnalyticsMoney.booking_id)
            & (AnalyticsBooking.tenant_id == AnalyticsMoney.tenant_id),
        )
        .where(
            AnalyticsMoney.tenant_id == tenant_id,
            AnalyticsMoney.kind == "captured",
            AnalyticsBooking.library_id == library.id,
            AnalyticsBooking.student_id.is_not(None),
        )
        .group_by(AnalyticsBooking.student_id)
    )
    for student_id, at in rows.all():
        when = at if at.tzinfo else at.replace(tzinfo=UTC)
        day = month_start(when.astimezone(library.timezone).date())
        if student_id is not None and span[0] <= day <= span[-1]:
            firsts[student_id] = day
    active: dict[str, set[uuid.UUID]] = defaultdict(set)
    for b in await _bookings(session, tenant_id, library, span[0], period_end):
        if b.student_id is None or b.student_id not in firsts:
            continue
        for m in span:
            if b.seat_days(m, next_month(m) - timedelta(days=1)):
                active[month_key(m)].add(b.student_id)
    out: list[dict[str, object]] = []
    for m in span:
        members = {s for s, c in firsts.items() if c == m}
        later = [k for k in span if k >= m]
        retained = [len(members & active[month_key(k)]) for k in later]
        out.append(
            {
                "cohort": month_key(m),
                "students": len(members),
                "retained": retained,
                "retention": [ratio(n, len(members)) for n in retained],
            }
        )
    return out


async def heatmap(
    session: AsyncSession, tenant_id: uuid.UUID, library: Library, first: date, last: date
) -> list[dict[str, int]]:
    """Check-ins by local weekday (0 = Monday) and hour, every cell of the 7 x 24 grid."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    rows = await session.execute(
        select(AnalyticsCheckIn.checked_in_at).where(
            AnalyticsCheckIn.tenant_id == tenant_id,
            AnalyticsCheckIn.library_id == library.id,
            AnalyticsCheckIn.checked_in_at >= local_midnight(first, library.timezone),
            AnalyticsCheckIn.checked_in_at
            < local_midnight(last + timedelta(days=1), library.timezone),
        )
    )
    for (at,) in rows.all():
        when = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(library.timezone)
        counts[(when.weekday(), when.hour)] += 1
    return [
        {"weekday": d, "hour": h, "check_ins": counts[(d, h)]} for d in range(7) for h in range(24)
    ]


async def at_risk(
    session: AsyncSession, tenant_id: uuid.UUID, library: Library, on: date
) -> list[dict[str, object]]:
    """Students whose confirmed booking ends within the horizon, not renewed, who checked
    in at most half as often in the last window as in the window before (and at least twice
    then)."""
    horizon = on + timedelta(days=AT_RISK_HORIZON_DAYS)
    rows = await session.scalars(
        select(AnalyticsBooking).where(
            AnalyticsBooking.tenant_id == tenant_id,
            AnalyticsBooking.library_id == library.id,
            AnalyticsBooking.status == "confirmed",
            AnalyticsBooking.end_date >= on,
            AnalyticsBooking.end_date <= horizon,
        )
    )
    ending = [_booking(r, library.timezone) for r in rows]
    renewed = await _renewed(session, tenant_id, [b.id for b in ending])
    ending = [b for b in ending if b.id not in renewed and b.student_id is not None]
    if not ending:
        return []
    recent_from = on - timedelta(days=AT_RISK_WINDOW_DAYS - 1)
    before_from = recent_from - timedelta(days=AT_RISK_WINDOW_DAYS)
    visits = await session.execute(
        select(AnalyticsCheckIn.student_id, AnalyticsCheckIn.day).where(
            AnalyticsCheckIn.tenant_id == tenant_id,
            AnalyticsCheckIn.library_id == library.id,
            AnalyticsCheckIn.student_id.in_([b.student_id for b in ending]),
            AnalyticsCheckIn.day >= before_from,
            AnalyticsCheckIn.day <= on,
        )
    )
    recent: dict[uuid.UUID, int] = defaultdict(int)
    before: dict[uuid.UUID, int] = defaultdict(int)
    for student_id, day in visits.all():
        (recent if day >= recent_from else before)[student_id] += 1
    out: list[dict[str, object]] = []
    for b in sorted(ending, key=lambda b: (b.end, str(b.id))):
        assert b.student_id is not None
        r, p = recent[b.student_id], before[b.student_id]
        if p >= 2 and 2 * r <= p:
            out.append(
                {
                    "student_id": b.student_id,
                    "booking_id": b.id,
                    "end_date": b.end,
                    "recent_check_ins": r,
                    "previous_check_ins": p,
                }
            )
    return out
