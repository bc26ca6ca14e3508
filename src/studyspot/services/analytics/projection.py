"""Events → read models. Idempotent per event id and independent of arrival order.

Every event applied is first logged in `analytics_events` (insert-or-ignore on
the event id: a second delivery changes nothing). Then:

- a booking event refolds the booking's row from *all* its logged events, sorted
  by when they happened, so a `booking.cancelled` that overtook its
  `booking.created` gives the same row as the two in order; its segments (the shift
  and seat it held from which day to which, split by transfers) are rewritten with it;
- a captured payment or processed refund is one row, keyed by its own id;
- a check-in or check-out replaces the attendance row only when it is newer
  (`occurred_at`, then event id) than the copy already held;
- a no-show is one row, keyed by its id;
- a library's capacity, a subscription's MRR and a count of message credits are
  one row per event (each carries the whole state after the change, or a delta
  keyed by its own id), so order and repeats do not matter either.

`rebuild` empties the read models of a tenant and applies the log again.
Payloads are read with this module's own models naming only what is needed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.events import Event
from studyspot.kit.locks import lock_until_commit
from studyspot.kit.models import utcnow
from studyspot.kit.repository import insert_ignored
from studyspot.services.analytics.models import (
    PROJECTIONS,
    AnalyticsBooking,
    AnalyticsBookingSegment,
    AnalyticsCapacity,
    AnalyticsCheckIn,
    AnalyticsCredits,
    AnalyticsEvent,
    AnalyticsMoney,
    AnalyticsMrr,
    AnalyticsNoShow,
)

log = structlog.get_logger("studyspot.analytics")

BOOKING_TOPICS = frozenset(
    {
        "booking.created",
        "booking.confirmed",
        "booking.cancelled",
        "booking.expired",
        "booking.transferred",
        "booking.paused",
    }
)
MONEY_TOPICS = frozenset({"payment.captured", "refund.processed"})
CHECK_TOPICS = frozenset({"attendance.checked_in", "attendance.checked_out"})
NO_SHOW_TOPIC = "attendance.no_show"
TOPICS = BOOKING_TOPICS | MONEY_TOPICS | CHECK_TOPICS | {NO_SHOW_TOPIC}
CAPACITY_TOPIC = "library.capacity_changed"
CREDITS_TOPIC = "message.credits_counted"
# Every change of a tenant's subscription (the plan catalogue's events name no tenant).
SUBSCRIPTION_PATTERN = "subscription.*"
PLATFORM_TOPICS = (CAPACITY_TOPIC, CREDITS_TOPIC, SUBSCRIPTION_PATTERN)


def wanted(topic: str) -> bool:
    return topic in TOPICS or topic in (CAPACITY_TOPIC, CREDITS_TOPIC) or _subscription(topic)


def _subscription(topic: str) -> bool:
    return topic.startswith("subscription.") and topic.count(".") == 1


class _Booking(BaseModel):
    booking_id: uuid.UUID
    student_id: uuid.UUID
    library_id: uuid.UUID
    shift_id: uuid.UUID | None = None
    seat_id: uuid.UUID | None = None
    start_date: date | None = None
    end_date: date | None = None
    total_paise: int | None = None
    renewed_from_id: uuid.UUID | None = None
    effective_date: date | None = None
    from_shift_id: uuid.UUID | None = None
    from_seat_id: uuid.UUID | None = None
    to_shift_id: uuid.UUID | None = None
    to_seat_id: uuid.UUID | None = None
    price_difference_paise: int = 0
    new_end_date: date | None = None


class _Captured(BaseModel):
    payment_id: uuid.UUID
    booking_id: uuid.UUID
    amount_paise: int


class _Refunded(BaseModel):
    refund_id: uuid.UUID
    booking_id: uuid.UUID
    amount_paise: int


class _Attendance(BaseModel):
    id: uuid.UUID
    library_id: uuid.UUID
    student_id: uuid.UUID
    booking_id: uuid.UUID
    shift_id: uuid.UUID | None
    day: date
    checked_in_at: datetime


class _NoShow(BaseModel):
    no_show_id: uuid.UUID
    booking_id: uuid.UUID
    library_id: uuid.UUID
    student_id: uuid.UUID
    shift_id: uuid.UUID | None
    day: date


class _Capacity(BaseModel):
    library_id: uuid.UUID
    active_seats: int
    shift_ids: list[uuid.UUID]


class _Subscription(BaseModel):
    subscription_id: uuid.UUID
    # Absent from events published before the field was added: nothing to project.
    mrr_paise: int | None = None


class _Credits(BaseModel):
    month: str
    credits: int


def subject_of(topic: str, payload: dict[str, Any], event_id: uuid.UUID) -> uuid.UUID | None:
    """What the event is about (the key of the read-model row it touches), or None."""
    try:
        if topic == CAPACITY_TOPIC:
            return _Capacity.model_validate(payload).library_id
        if _subscription(topic):
            return _Subscription.model_validate(payload).subscription_id
        if topic == CREDITS_TOPIC:
            _Credits.model_validate(payload)
            return event_id
        if topic in BOOKING_TOPICS:
            return _Booking.model_validate(payload).booking_id
        if topic == "payment.captured":
            return _Captured.model_validate(payload).payment_id
        if topic == "refund.processed":
            return _Refunded.model_validate(payload).refund_id
        if topic in CHECK_TOPICS:
            return _Attendance.model_validate(payload).id
        if topic == NO_SHOW_TOPIC:
            return _NoShow.model_validate(payload).no_show_id
    except ValidationError:
        return None
    return None


async def apply(session: AsyncSession, event: Event) -> bool:
    """Log and project one event; False when it was already applied or is not ours."""
    if event.tenant_id is None or not wanted(event.topic):
        return False
    subject = subject_of(event.topic, event.payload, event.id)
    if subject is None:
        log.error("analytics.malformed_event", event_id=str(event.id), topic=event.topic)
        return False
    logged = await insert_ignored(
        session,
        AnalyticsEvent.__table__,  # type: ignore[arg-type]
        {
            "id": event.id,
            "tenant_id": event.tenant_id,
            "topic": event.topic,
            "subject_id": subject,
            "payload": event.payload,
            "occurred_at": event.occurred_at,
            "applied_at": utcnow(),
        },
    )
    if not logged:
        return False
    await project(session, event.tenant_id, event.id, event.topic, event.payload, event.occurred_at)
    return True


async def project(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    event_id: uuid.UUID,
    topic: str,
    payload: dict[str, Any],
    occurred_at: datetime,
) -> None:
    if topic in BOOKING_TOPICS:
        await refold_booking(session, tenant_id, _Booking.model_validate(payload).booking_id)
    elif topic == "payment.captured":
        paid = _Captured.model_validate(payload)
        await _money(
            session, tenant_id, paid.payment_id, paid.booking_id, "captured", paid, occurred_at
        )
    elif topic == "refund.processed":
        back = _Refunded.model_validate(payload)
        await _money(
            session, tenant_id, back.refund_id, back.booking_id, "refunded", back, occurred_at
        )
    elif topic in CHECK_TOPICS:
        await _check(session, tenant_id, _Attendance.model_validate(payload), occurred_at, event_id)
    elif topic in (CAPACITY_TOPIC, CREDITS_TOPIC) or _subscription(topic):
        await _platform(session, tenant_id, event_id, topic, payload, occurred_at)
    elif topic == NO_SHOW_TOPIC:
        gone = _NoShow.model_validate(payload)
        await insert_ignored(
            session,
            AnalyticsNoShow.__table__,  # type: ignore[arg-type]
            {
                "id": gone.no_show_id,
                "tenant_id": tenant_id,
                "library_id": gone.library_id,
                "student_id": gone.student_id,
                "booking_id": gone.booking_id,
                "shift_id": gone.shift_id,
                "day": gone.day,
            },
        )


async def _platform(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    event_id: uuid.UUID,
    topic: str,
    payload: dict[str, Any],
    at: datetime,
) -> None:
    """One row per event: a library's capacity, the subscription's MRR or credits counted."""
    table: Any
    if topic == CAPACITY_TOPIC:
        room = _Capacity.model_validate(payload)
        table = AnalyticsCapacity.__table__
        values: dict[str, Any] = {
            "library_id": room.library_id,
            "at": at,
            "active_seats": room.active_seats,
            "shift_ids": sorted(str(s) for s in room.shift_ids),
        }
    elif topic == CREDITS_TOPIC:
        used = _Credits.model_validate(payload)
        table = AnalyticsCredits.__table__
        values = {"month": used.month, "credits": used.credits}
    else:
        sub = _Subscription.model_validate(payload)
        if sub.mrr_paise is None:
            return
        table = AnalyticsMrr.__table__
        values = {"subscription_id": sub.subscription_id, "at": at, "mrr_paise": sub.mrr_paise}
    await insert_ignored(session, table, {"id": event_id, "tenant_id": tenant_id, **values})


async def _money(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    row_id: uuid.UUID,
    booking_id: uuid.UUID,
    kind: str,
    body: _Captured | _Refunded,
    at: datetime,
) -> None:
    await insert_ignored(
        session,
        AnalyticsMoney.__table__,  # type: ignore[arg-type]
        {
            "id": row_id,
            "tenant_id": tenant_id,
            "booking_id": booking_id,
            "kind": kind,
            "amount_paise": body.amount_paise,
            "at": at,
        },
    )


async def _check(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    record: _Attendance,
    occurred_at: datetime,
    event_id: uuid.UUID,
) -> None:
    held = await session.get(AnalyticsCheckIn, record.id)
    if held is not None:
        if held.tenant_id != tenant_id:
            return
        if (held.source_at, str(held.source_id)) >= (occurred_at, str(event_id)):
            return
        await session.delete(held)
        await session.flush()
    session.add(
        AnalyticsCheckIn(
            id=record.id,
            tenant_id=tenant_id,
            library_id=record.library_id,
            student_id=record.student_id,
            booking_id=record.booking_id,
            shift_id=record.shift_id,
            day=record.day,
            checked_in_at=record.checked_in_at,
            source_at=occurred_at,
            source_id=event_id,
        )
    )
    await session.flush()


@dataclass(frozen=True)
class _Move:
    """A transfer: from `effective` (a local day) on, the booking holds `shift` and `seat`."""

    effective: date | None
    shift: uuid.UUID | None
    seat: uuid.UUID | None
    from_shift: uuid.UUID | None
    from_seat: uuid.UUID | None


@dataclass(frozen=True)
class Segment:
    """Days `first` to `last` (local, both included) the booking held `shift` and `seat`."""

    shift_id: uuid.UUID | None
    seat_id: uuid.UUID | None
    first: date
    last: date


@dataclass
class _Fold:
    library_id: uuid.UUID | None = None
    student_id: uuid.UUID | None = None
    created_shift: uuid.UUID | None = None
    created_seat: uuid.UUID | None = None
    start_date: date | None = None
    end_date: date | None = None
    created_total: int | None = None
    confirmed_total: int | None = None
    differences: int = 0
    confirmed: bool = False
    expired: bool = False
    created_at: datetime | None = None
    cancelled_at: datetime | None = None
    renewed_from_id: uuid.UUID | None = None
    pause_ends: list[date] = field(default_factory=list)
    moves: list[_Move] = field(default_factory=list)

    @property
    def end(self) -> date | None:
        """The last day, pauses included (a pause moves the end later)."""
        return max([d for d in (self.end_date, *self.pause_ends) if d is not None], default=None)

    @property
    def shift_id(self) -> uuid.UUID | None:
        """The shift the booking holds now (after its last transfer)."""
        segments = self.segments()
        if segments:
            return segments[-1].shift_id
        return self.moves[-1].shift if self.moves else self.created_shift

    def segments(self) -> list[Segment]:
        """The booking's places from its start to its end, one segment per stretch.

        A transfer takes effect on its `effective_date` (the start, if earlier; none of
        its days if after the end); transfers are taken by effective day, then in the
        order they happened, so the last one of a day wins that day. The place before the
        first transfer is the one the booking was made with (or, before `booking.created`
        arrived, the one the first transfer moved it from). A transfer with no effective
        day (never published so) moves the whole booking.
        """
        start, end = self.start_date, self.end
        if start is None or end is None or end < start:
            return []
        # Stable: equal effective days keep the order the transfers happened in.
        moves = sorted(self.moves, key=lambda m: max(m.effective or start, start))
        if self.created_at is not None or not moves:
            place = (self.created_shift, self.created_seat)
        else:
            place = (moves[0].from_shift, moves[0].from_seat)
        out: list[Segment] = []
        day = start
        for move in moves:
            effective = max(move.effective or start, start)
            if effective > end:
                break  # after the last day: no day held the new place
            if effective > day:
                out.append(Segment(place[0], place[1], day, effective - timedelta(days=1)))
                day = effective
            place = (move.shift, move.seat)
        out.append(Segment(place[0], place[1], day, end))
        return out


def fold(events: Sequence[tuple[str, dict[str, Any], datetime]]) -> _Fold:
    """The booking's state from its events, given in (occurred_at, id) order.

    Every rule is order-free (sums, flags, earliest, latest) except the places after
    transfers, which follow the transfers' effective days, then when they happened.
    """
    state = _Fold()
    for topic, payload, at in events:
        data = _Booking.model_validate(payload)
        state.library_id, state.student_id = data.library_id, data.student_id
        if topic == "booking.created":
            state.created_shift, state.created_seat = data.shift_id, data.seat_id
            state.start_date, state.end_date = data.start_date, data.end_date
            state.created_total = data.total_paise
            state.renewed_from_id = data.renewed_from_id
            state.created_at = at
        elif topic == "booking.confirmed":
            state.confirmed = True
            state.confirmed_total = data.total_paise
            if state.created_at is None:
                state.start_date, state.end_date = data.start_date, data.end_date
        elif topic == "booking.cancelled":
            if state.cancelled_at is None or at < state.cancelled_at:
                state.cancelled_at = at
        elif topic == "booking.expired":
            state.expired = True
        elif topic == "booking.transferred":
            state.differences += data.price_difference_paise
            state.moves.append(
                _Move(
                    data.effective_date,
                    data.to_shift_id,
                    data.to_seat_id,
                    data.from_shift_id,
                    data.from_seat_id,
                )
            )
        elif topic == "booking.paused" and data.new_end_date is not None:
            state.pause_ends.append(data.new_end_date)
    return state


async def refold_booking(
    session: AsyncSession, tenant_id: uuid.UUID, booking_id: uuid.UUID
) -> None:
    # Two workers applying two events of one booking at once: the second waits here
    # until the first commits, then reads both events.
    await lock_until_commit(session, "analytics", booking_id)
    rows = (
        await session.execute(
            select(AnalyticsEvent.topic, AnalyticsEvent.payload, AnalyticsEvent.occurred_at)
            .where(
                AnalyticsEvent.tenant_id == tenant_id,
                AnalyticsEvent.subject_id == booking_id,
                AnalyticsEvent.topic.in_(BOOKING_TOPICS),
            )
            .order_by(AnalyticsEvent.occurred_at, AnalyticsEvent.id)
        )
    ).all()
    state = fold([(r[0], r[1], r[2]) for r in rows])
    segments = state.segments()
    if state.cancelled_at is not None:
        status = "cancelled"
    elif state.expired and not state.confirmed:
        status = "expired"
    elif state.confirmed:
        status = "confirmed"
    else:
        status = "held"
    base = state.created_total if state.created_total is not None else state.confirmed_total
    values = {
        "booking_id": booking_id,
        "tenant_id": tenant_id,
        "library_id": state.library_id,
        "student_id": state.student_id,
        "shift_id": state.shift_id,
        "start_date": state.start_date,
        "end_date": state.end,
        "charged_paise": (base or 0) + state.differences,
        "status": status,
        "confirmed": state.confirmed,
        "created_at": state.created_at,
        "cancelled_at": state.cancelled_at,
        "renewed_from_id": state.renewed_from_id,
    }
    await session.execute(
        delete(AnalyticsBooking).where(
            AnalyticsBooking.tenant_id == tenant_id, AnalyticsBooking.booking_id == booking_id
        )
    )
    await session.execute(
        delete(AnalyticsBookingSegment).where(
            AnalyticsBookingSegment.tenant_id == tenant_id,
            AnalyticsBookingSegment.booking_id == booking_id,
        )
    )
    await session.execute(AnalyticsBooking.__table__.insert().values(**values))  # type: ignore[attr-defined]
    if segments:
        await session.execute(
            AnalyticsBookingSegment.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "booking_id": booking_id,
                    "seq": seq,
                    "tenant_id": tenant_id,
                    "shift_id": part.shift_id,
                    "seat_id": part.seat_id,
                    "from_date": part.first,
                    "to_date": part.last,
                }
                for seq, part in enumerate(segments)
            ],
        )


@dataclass
class RebuildReport:
    events: int = 0
    bookings: int = 0


async def rebuild(session: AsyncSession, tenant_id: uuid.UUID) -> RebuildReport:
    """Empty the tenant's read models and apply its logged events again, oldest first."""
    for model in PROJECTIONS:
        await session.execute(delete(model).where(model.tenant_id == tenant_id))
    report = RebuildReport()
    bookings: set[uuid.UUID] = set()
    rows = await session.stream(
        select(
            AnalyticsEvent.id,
            AnalyticsEvent.topic,
            AnalyticsEvent.subject_id,
            AnalyticsEvent.payload,
            AnalyticsEvent.occurred_at,
        )
        .where(AnalyticsEvent.tenant_id == tenant_id)
        .order_by(AnalyticsEvent.occurred_at, AnalyticsEvent.id)
        .execution_options(yield_per=1000)
    )
    pending = [tuple(r) async for r in rows]
    for event_id, topic, subject, payload, at in pending:
        report.events += 1
        if topic in BOOKING_TOPICS:
            bookings.add(subject)
            continue
        await project(session, tenant_id, event_id, topic, payload, at)
    for booking_id in sorted(bookings, key=str):
        await refold_booking(session, tenant_id, booking_id)
    report.bookings = len(bookings)
    return report
