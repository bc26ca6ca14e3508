"""Check-in and check-out: by the door's code, by staff scanning a student's code, by hand.

Order of every check-in (no transaction is open while the booking service is asked):
read the library's settings → ask which bookings the student holds (booking service) →
pick the open occurrence (presence.py) → one unit of work: mark the code step used
(`code_replayed` if it was), refuse a released seat, insert or reopen the record
(`already_checked_in`), publish `attendance.checked_in`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.outbox import publish
from studyspot.kit.repository import insert_ignored
from studyspot.services.attendance.access import Viewer
from studyspot.services.attendance.codes import BadCode, Code, Kind, freshness
from studyspot.services.attendance.errors import (
    AlreadyCheckedIn,
    CodeExpired,
    CodeReplayed,
    InvalidCode,
    NotCheckedIn,
    SeatReleased,
)
from studyspot.services.attendance.models import AttendanceRecord
from studyspot.services.attendance.presence import (
    Occurrence,
    fetch_range,
    occurrence_row,
    open_for,
)
from studyspot.services.attendance.repository import Repo
from studyspot.services.attendance.runtime import Runtime
from studyspot.services.attendance.schemas import AttendanceRead, SettingsUpdate
from studyspot.services.attendance.upstream import AttendanceBooking


def read_of(record: AttendanceRecord) -> AttendanceRead:
    minutes = None
    if record.checked_out_at is not None:
        visit = max(int((record.checked_out_at - record.visit_started_at).total_seconds()), 0)
        minutes = record.minutes_before + visit // 60
    return AttendanceRead(
        id=record.id,
        library_id=record.library_id,
        student_id=record.student_id,
        booking_id=record.booking_id,
        shift_id=record.shift_id,
        seat_id=record.seat_id,
        seat_label=record.seat_label,
        day=record.day,
        shift_starts_at=record.shift_starts_at,
        shift_ends_at=record.shift_ends_at,
        checked_in_at=record.checked_in_at,
        check_in_method=record.check_in_method,
        late=record.late,
        checked_out_at=record.checked_out_at,
        check_out_method=record.check_out_method,
        minutes_present=minutes,
        corrected=record.corrected,
    )


def event_payload(record: AttendanceRecord) -> dict[str, Any]:
    read = read_of(record)
    return read.model_dump(mode="json")


def verified(runtime: Runtime, text: str, kind: Kind, tenant_id: uuid.UUID, at: datetime) -> Code:
    """The code, if genuine, of this tenant and fresh at `at`."""
    try:
        code = runtime.signer.verify(text, kind, tenant_id)
    except BadCode as exc:
        raise InvalidCode() from exc
    state = freshness(code.step, at)
    if state == "expired":
        raise CodeExpired()
    if state == "future":
        raise InvalidCode()
    return code


async def database(runtime: Runtime, viewer: Viewer) -> Database:
    return await runtime.kit.tenants.get(viewer.principal.db_key)


async def library_settings(
    db: Database, tenant_id: uuid.UUID, library_id: uuid.UUID
) -> SettingsUpdate:
    async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
        return (await Repo(session, tenant_id).settings_of([library_id]))[library_id]


async def student_bookings(
    runtime: Runtime,
    tenant_id: uuid.UUID,
    library_id: uuid.UUID,
    student_id: uuid.UUID,
    at: datetime,
) -> list[AttendanceBooking]:
    first, last = fetch_range(at)
    return await runtime.upstream.bookings(
        tenant_id, first, last, library_id=library_id, student_id=student_id
    )


def record_values(
    tenant_id: uuid.UUID,
    occurrence: Occurrence,
    at: datetime,
    method: str,
    settings: SettingsUpdate,
) -> dict[str, Any]:
    """The new record of a first check-in into `occurrence` at `at`."""
    return {
        **occurrence_row(tenant_id, occurrence),
        "seat_label": occurrence.booking.seat_label,
        "shift_ends_at": occurrence.ends_at,
        "checked_in_at": at,
        "visit_started_at": at,
        "check_in_method": method,
        "late": at > occurrence.starts_at + timedelta(minutes=settings.late_after_minutes),
        "minutes_before": 0,
        "open_until": occurrence.ends_at + timedelta(minutes=settings.checkout_grace_minutes),
        "corrected": False,
        "created_at": at,
        "updated_at": at,
    }


async def enter(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    occurrence: Occurrence,
    at: datetime,
    method: str,
    settings: SettingsUpdate,
    *,
    allow_released: bool = False,
) -> AttendanceRecord:
    """Insert or reopen the record of `occurrence` and publish `attendance.checked_in`."""
    repo = Repo(session, tenant_id)
    booking = occurrence.booking
    if not allow_released and await repo.has_no_show(booking.id, occurrence.day):
        raise SeatReleased()
    values = record_values(tenant_id, occurrence, at, method, settings)
    open_until = values["open_until"]
    inserted = await insert_ignored(
        session,
        AttendanceRecord.__table__,  # type: ignore[arg-type]
        values,
    )
    if inserted:
        # The row is what was just written: no need to read it back (a rush's check-in
        # saves a round trip).
        record = AttendanceRecord(**values)
    else:
        found = await repo.record_for(booking.id, occurrence.day, for_update=True)
        assert found is not None
        record = found
        if record.checked_out_at is None:
            raise AlreadyCheckedIn()
        # Back after a check-out (lunch): one record, the earlier visit's minutes kept.
        visit = max(int((record.checked_out_at - record.visit_started_at).total_seconds()), 0)
        record.minutes_before += visit // 60
        record.visit_started_at = at
        record.checked_out_at = None
        record.check_out_method = None
        record.open_until = open_until
        record.updated_at = at
        await session.flush()
    await publish(session, "attendance.checked_in", event_payload(record), tenant_id=tenant_id)
    return record


async def leave(
    session: AsyncSession, tenant_id: uuid.UUID, record: AttendanceRecord, at: datetime, method: str
) -> AttendanceRecord:
    repo = Repo(session, tenant_id)
    if not await repo.close(record.id, at, method):
        raise NotCheckedIn()
    await session.refresh(record)
    await publish(session, "attendance.checked_out", event_payload(record), tenant_id=tenant_id)
    return record


async def check_in_at_door(runtime: Runtime, viewer: Viewer, text: str) -> AttendanceRead:
    student_id = viewer.require_student()
    now = runtime.now()
    code = verified(runtime, text, "d", viewer.tenant_id, now)
    library_id = code.subject_id
    db = await database(runtime, viewer)
    first, last = fetch_range(now)
    # Everything in the one transaction that writes: the 06:00 rush pays for one, not two.
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        bookings = await runtime.upstream.student_bookings_in(
            session, viewer.tenant_id, library_id, student_id, first, last
        )
        repo = Repo(session, viewer.tenant_id)
        settings = (await repo.settings_of([library_id]))[library_id]
        occurrence = open_for(bookings, library_id, now, settings.opens_before_minutes)
        if not await repo.use_step(student_id, "in", code.step, now):
            raise CodeReplayed()
        record = await enter(session, viewer.tenant_id, occurrence, now, "door", settings)
        return read_of(record)


async def check_out_at_door(runtime: Runtime, viewer: Viewer, text: str) -> AttendanceRead:
    student_id = viewer.require_student()
    now = runtime.now()
    code = verified(runtime, text, "d", viewer.tenant_id, now)
    db = await database(runtime, viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        repo = Repo(session, viewer.tenant_id)
        if not await repo.use_step(student_id, "out", code.step, now):
            raise CodeReplayed()
        open_now = await repo.open_records(student_id, code.subject_id)
        if not open_now:
            raise NotCheckedIn()
        return read_of(await leave(session, viewer.tenant_id, open_now[0], now, "door"))


async def manual_check_in(
    runtime: Runtime, viewer: Viewer, library_id: uuid.UUID, student_id: uuid.UUID, reason: str
) -> AttendanceRead:
    """Staff check a student in by hand (no phone, no code): the same booking rule, audited.

    A seat released as a no-show may be taken back here: the desk sees who is standing there.
    """
    viewer.require_library(library_id)
    now = runtime.now()
    db = await database(runtime, viewer)
    settings = await library_settings(db, viewer.tenant_id, library_id)
    bookings = await student_bookings(runtime, viewer.tenant_id, library_id, student_id, now)
    occurrence = open_for(bookings, library_id, now, settings.opens_before_minutes)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        record = await enter(
            session, viewer.tenant_id, occurrence, now, "manual", settings, allow_released=True
        )
        await audit.record(
            session,
            "attendance.manual_check_in",
            "attendance_record",
            record.id,
            details={"student_id": str(student_id), "reason": reason},
            **viewer.audit_actor(),
        )
        return read_of(record)


async def manual_check_out(
    runtime: Runtime, viewer: Viewer, library_id: uuid.UUID, student_id: uuid.UUID, reason: str
) -> AttendanceRead:
    viewer.require_library(library_id)
    now = runtime.now()
    db = await database(runtime, viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        open_now = await Repo(session, viewer.tenant_id).open_records(student_id, library_id)
        if not open_now:
            raise NotCheckedIn()
        record = await leave(session, viewer.tenant_id, open_now[0], now, "manual")
        await audit.record(
            session,
            "attendance.manual_check_out",
            "attendance_record",
            record.id,
            details={"student_id": str(student_id), "reason": reason},
            **viewer.audit_actor(),
        )
        return read_of(record)


def bookings_by_student(
    bookings: Sequence[AttendanceBooking],
) -> dict[uuid.UUID, list[AttendanceBooking]]:
    found: dict[uuid.UUID, list[AttendanceBooking]] = {}
    for booking in bookings:
        found.setdefault(booking.student_id, []).append(booking)
    return found
