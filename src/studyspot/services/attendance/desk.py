"""The staff desk: scanning students' codes (live or an offline queue), corrections, the
register and summary of a day, and the codes the door and the students show."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import AppError, Unprocessable
from studyspot.kit.outbox import publish_many
from studyspot.services.attendance.access import Display, Viewer
from studyspot.services.attendance.check_ins import (
    bookings_by_student,
    database,
    enter,
    library_settings,
    read_of,
    record_values,
    verified,
)
from studyspot.services.attendance.codes import expires_at, step_of, step_start
from studyspot.services.attendance.errors import (
    AlreadyCheckedIn,
    LibraryNotFound,
    RecordNotFound,
    SeatReleased,
)
from studyspot.services.attendance.models import AttendanceRecord
from studyspot.services.attendance.presence import (
    Occurrence,
    local,
    occurrence_of,
    open_for,
    paused_on,
)
from studyspot.services.attendance.repository import Repo
from studyspot.services.attendance.runtime import Runtime
from studyspot.services.attendance.schemas import (
    AttendanceRead,
    Correction,
    DisplayCode,
    Register,
    RegisterEntry,
    RegisterStatus,
    ScanBatch,
    ScanOutcome,
    ScanResult,
    ScanStatus,
    SettingsUpdate,
    ShiftSummary,
    StudentCode,
    Summary,
)
from studyspot.services.attendance.upstream import AttendanceBooking

# An offline queue may be uploaded up to a day later; a scan "from the future" is refused.
MAX_SCAN_AGE = timedelta(hours=24)
CLOCK_SLACK = timedelta(minutes=2)
ONE_DAY = timedelta(days=1)


def display_code(runtime: Runtime, who: Viewer | Display, library_id: uuid.UUID) -> DisplayCode:
    """The door's code now. A display device reads only its own library's (404 otherwise)."""
    if isinstance(who, Display):
        if who.library_id != library_id:
            raise LibraryNotFound()
        tenant_id = who.tenant_id
    else:
        who.require_library(library_id)
        tenant_id = who.tenant_id
    now = runtime.now()
    step = step_of(now)
    code = runtime.signer.sign("d", tenant_id, library_id, step)
    url = f"{runtime.config.public_url.rstrip('/')}/attendance/check-in#code={code}"
    return DisplayCode(
        library_id=library_id,
        code=code,
        step=step,
        check_in_url=url,
        refresh_at=step_start(step + 1),
        expires_at=expires_at(step),
    )


def student_code(runtime: Runtime, viewer: Viewer) -> StudentCode:
    student_id = viewer.require_student()
    step = step_of(runtime.now())
    return StudentCode(
        code=runtime.signer.sign("s", viewer.tenant_id, student_id, step),
        step=step,
        refresh_at=step_start(step + 1),
        expires_at=expires_at(step),
    )


async def scan(runtime: Runtime, viewer: Viewer, batch: ScanBatch) -> ScanResult:
    """Check in the students whose codes staff scanned, each at the moment it was scanned.

    De-duplicated by (student, step): a queue uploaded twice checks nobody in twice. A
    refused scan is reported with its problem code; the others still count.
    """
    viewer.require_library(batch.library_id)
    now = runtime.now()
    outcomes: list[ScanOutcome | None] = [None] * len(batch.scans)
    accepted: list[tuple[int, uuid.UUID, int, datetime]] = []
    for index, item in enumerate(batch.scans):
        at = item.scanned_at or now
        if at.tzinfo is None or at > now + CLOCK_SLACK or at < now - MAX_SCAN_AGE:
            raise Unprocessable(
                "scanned_at is a time with offset within the last 24 hours",
                errors=[{"field": f"body.scans.{index}.scanned_at", "message": "out of range"}],
            )
        try:
            code = verified(runtime, item.code, "s", viewer.tenant_id, at)
        except AppError as exc:
            outcomes[index] = ScanOutcome(
                index=index, status="refused", code=exc.code, attendance_id=None, student_id=None
            )
            continue
        accepted.append((index, code.subject_id, code.step, at))
    db = await database(runtime, viewer)
    settings = await library_settings(db, viewer.tenant_id, batch.library_id)
    mine: dict[uuid.UUID, list[AttendanceBooking]] = {}
    if accepted:
        earliest = min(a[3] for a in accepted)
        bookings = await runtime.upstream.bookings(
            viewer.tenant_id,
            earliest.date() - 2 * ONE_DAY,
            now.date() + ONE_DAY,
            library_id=batch.library_id,
        )
        mine = bookings_by_student(bookings)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        await _check_in_scans(session, viewer.tenant_id, batch, accepted, mine, settings, outcomes)
    done = [o for o in outcomes if o is not None]
    return ScanResult(
        checked_in=sum(o.status == "checked_in" for o in done),
        duplicates=sum(o.status == "duplicate" for o in done),
        refused=sum(o.status == "refused" for o in done),
        outcomes=done,
    )


async def _check_in_scans(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    batch: ScanBatch,
    accepted: list[tuple[int, uuid.UUID, int, datetime]],
    mine: dict[uuid.UUID, list[AttendanceBooking]],
    settings: SettingsUpdate,
    outcomes: list[ScanOutcome | None],
) -> None:
    """The genuine scans of a batch, in a few statements whatever its size: one for the code
    steps, one for the day's released seats, one for the new records, one for their events,
    one for the records that existed. Only a return after a check-out goes through `enter`
    on its own."""
    repo = Repo(session, tenant_id)

    def outcome(
        index: int,
        student_id: uuid.UUID,
        status: ScanStatus,
        code: str | None,
        attendance_id: uuid.UUID | None = None,
    ) -> None:
        outcomes[index] = ScanOutcome(
            index=index,
            status=status,
            code=code,
            attendance_id=attendance_id,
            student_id=student_id,
        )

    used = await repo.use_steps("scan", [(student, step, at) for _, student, step, at in accepted])
    taken: set[tuple[uuid.UUID, int]] = set()
    found: list[tuple[int, Occurrence, datetime]] = []
    for index, student_id, step, at in accepted:
        if (student_id, step) not in used or (student_id, step) in taken:
            outcome(index, student_id, "duplicate", None)
            continue
        taken.add((student_id, step))
        try:
            occurrence = open_for(
                mine.get(student_id, []), batch.library_id, at, settings.opens_before_minutes
            )
        except AppError as exc:
            outcome(index, student_id, "refused", exc.code)
            continue
        found.append((index, occurrence, at))
    released = await repo.no_show_days([(o.booking.id, o.day) for _, o, _ in found])
    fresh: dict[tuple[uuid.UUID, date], tuple[int, Occurrence, dict[str, Any]]] = {}
    for index, occurrence, at in found:
        key = (occurrence.booking.id, occurrence.day)
        student_id = occurrence.booking.student_id
        if key in released:
            outcome(index, student_id, "refused", SeatReleased.code)
        elif key in fresh:
            # Scanned twice in one queue: the first scan checked the student in.
            outcome(index, student_id, "refused", AlreadyCheckedIn.code)
        else:
            values = record_values(tenant_id, occurrence, at, "scan", settings)
            fresh[key] = (index, occurrence, values)
    inserted = await repo.insert_records([values for _, _, values in fresh.values()])
    payloads = []
    again: list[tuple[int, Occurrence, datetime]] = []
    for key, (index, occurrence, values) in fresh.items():
        if key not in inserted:
            again.append((index, occurrence, values["checked_in_at"]))
            continue
        read = read_of(AttendanceRecord(**values))
        payloads.append(read.model_dump(mode="json"))
        outcome(index, read.student_id, "checked_in", None, read.id)
    await publish_many(session, "attendance.checked_in", payloads, tenant_id=tenant_id)
    # Most of these are in already (checked in at the door): refused from one read. Only a
    # return after a check-out reopens its record through `enter`.
    existing = await repo.records_of([(o.booking.id, o.day) for _, o, _ in again])
    for index, occurrence, at in again:
        known = existing.get((occurrence.booking.id, occurrence.day))
        if known is not None and known.checked_out_at is None:
            outcome(index, occurrence.booking.student_id, "refused", AlreadyCheckedIn.code)
            continue
        try:
            # `enter` refuses before it writes anything: no savepoint needed.
            record = await enter(session, tenant_id, occurrence, at, "scan", settings)
        except AppError as exc:
            outcome(index, occurrence.booking.student_id, "refused", exc.code)
            continue
        outcome(index, record.student_id, "checked_in", None, record.id)


async def correct(
    runtime: Runtime, viewer: Viewer, record_id: uuid.UUID, body: Correction
) -> AttendanceRead:
    """Staff fix a record's times (a forgotten check-out, a wrong tap); audited with before/after."""
    viewer.require_staff_side()
    if body.checked_in_at is None and body.checked_out_at is None:
        raise Unprocessable(
            "Give checked_in_at, checked_out_at or both",
            errors=[{"field": "body", "message": "nothing to correct"}],
        )
    now = runtime.now()
    db = await database(runtime, viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        record = await Repo(session, viewer.tenant_id).get(record_id)
        if record is None or not viewer.can_see_library(record.library_id):
            raise RecordNotFound()
        before = read_of(record).model_dump(mode="json")
        checked_in = body.checked_in_at or record.checked_in_at
        checked_out = body.checked_out_at or record.checked_out_at
        if (checked_out is not None and checked_out < checked_in) or checked_in > now + CLOCK_SLACK:
            raise Unprocessable(
                "checked_out_at comes after checked_in_at, and neither in the future",
                errors=[{"field": "body.checked_out_at", "message": "out of order"}],
            )
        record.checked_in_at = checked_in
        # A correction states the whole stay: one visit from check-in to check-out.
        record.visit_started_at = checked_in
        record.minutes_before = 0
        if body.checked_out_at is not None:
            record.checked_out_at = body.checked_out_at
            record.check_out_method = record.check_out_method or "manual"
            record.open_until = None
        record.corrected = True
        record.updated_at = now
        await session.flush()
        after = read_of(record)
        await audit.record(
            session,
            "attendance.corrected",
            "attendance_record",
            record.id,
            details={
                "reason": body.reason,
                "before": before,
                "after": after.model_dump(mode="json"),
            },
            **viewer.audit_actor(),
        )
        return after


def status_of(
    entry_record: AttendanceRead | None,
    released: bool,
    starts_at: datetime,
    grace_minutes: int,
    now: datetime,
) -> RegisterStatus:
    if entry_record is not None:
        if entry_record.checked_out_at is not None:
            return "checked_out"
        return "late" if entry_record.late else "present"
    if released:
        return "released"
    if now >= starts_at + timedelta(minutes=grace_minutes):
        return "absent"
    return "expected"


async def library_today(runtime: Runtime, viewer: Viewer, library_id: uuid.UUID) -> date:
    """Today on the library's wall clock: after midnight in India it is still yesterday in UTC."""
    viewer.require_library(library_id)
    library = await runtime.upstream.find_library(viewer.tenant_id, library_id)
    if library is None:
        raise LibraryNotFound()
    return local(runtime.now(), library.timezone).date()


async def register(
    runtime: Runtime, viewer: Viewer, library_id: uuid.UUID, day: date, shift_id: uuid.UUID | None
) -> Register:
    """Every booking due on `day` in the library (one shift, or all), with where it stands."""
    viewer.require_library(library_id)
    now = runtime.now()
    db = await database(runtime, viewer)
    settings = await library_settings(db, viewer.tenant_id, library_id)
    bookings = await runtime.upstream.bookings(viewer.tenant_id, day, day, library_id=library_id)
    async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
        repo = Repo(session, viewer.tenant_id)
        records = {r.booking_id: read_of(r) for r in await repo.records_of_day(library_id, day)}
        released = await repo.no_shows_of_day(library_id, day)
    items = []
    for booking in sorted(bookings, key=lambda b: (b.window_start, b.seat_label or "", str(b.id))):
        if shift_id is not None and booking.shift_id != shift_id:
            continue
        if paused_on(booking, day):
            continue
        occurrence = occurrence_of(booking, day)
        record = records.get(booking.id)
        items.append(
            RegisterEntry(
                booking_id=booking.id,
                student_id=booking.student_id,
                shift_id=booking.shift_id,
                seat_id=booking.seat_id,
                seat_label=booking.seat_label,
                seat_assignment=booking.seat_assignment,
                shift_starts_at=occurrence.starts_at,
                shift_ends_at=occurrence.ends_at,
                status=status_of(
                    record,
                    booking.id in released,
                    occurrence.starts_at,
                    settings.no_show_grace_minutes,
                    now,
                ),
                attendance=record,
            )
        )
    return Register(library_id=library_id, day=day, items=items)


async def summary(runtime: Runtime, viewer: Viewer, library_id: uuid.UUID, day: date) -> Summary:
    listed = await register(runtime, viewer, library_id, day, None)
    by_shift: dict[uuid.UUID | None, dict[str, int]] = {}
    for entry in listed.items:
        counts = by_shift.setdefault(
            entry.shift_id,
            {
                "booked": 0,
                "present": 0,
                "late": 0,
                "checked_out": 0,
                "absent": 0,
                "expected": 0,
                "released": 0,
            },
        )
        counts["booked"] += 1
        if entry.status == "released":
            counts["absent"] += 1
            counts["released"] += 1
        else:
            counts[entry.status] += 1
    shifts = [
        ShiftSummary(shift_id=shift_id, **counts)
        for shift_id, counts in sorted(by_shift.items(), key=lambda kv: str(kv[0]))
    ]
    return Summary(library_id=library_id, day=day, shifts=shifts)
