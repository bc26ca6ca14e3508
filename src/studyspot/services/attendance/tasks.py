"""Periodic jobs: release no-shows' seats for the day, check out who stayed past the end.

`Sweeper.run` loops every ATTENDANCE_SWEEP_SECONDS in each attendance process. Several
instances may sweep at once and the effect still happens once: a no-show is an INSERT
that does nothing when the (booking, day) row exists, and its event is published only by
the instance whose insert won, in the same transaction; an automatic check-out is a
conditional UPDATE, its event likewise only by the winner. Bookings are asked before a
unit of work opens, never inside one.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from studyspot.kit import periodic
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.outbox import publish
from studyspot.kit.repository import insert_ignored
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.attendance.check_ins import event_payload
from studyspot.services.attendance.events import NO_SHOW, NoShow
from studyspot.services.attendance.models import AttendanceNoShow
from studyspot.services.attendance.presence import (
    local,
    occurrence_of,
    occurrence_row,
    paused_on,
    window_of,
)
from studyspot.services.attendance.repository import Repo
from studyspot.services.attendance.runtime import Runtime

log = structlog.get_logger("studyspot.attendance")
BATCH = 500
ONE_DAY = timedelta(days=1)


@dataclass
class SweepResult:
    no_shows: int = 0
    checked_out: int = 0


async def release_no_shows(runtime: Runtime, db: Database, tenant_id: uuid.UUID) -> int:
    """Record a no-show for every booked occurrence (today's or last night's) nobody checked
    in to by its start + grace; each releases that seat for that day (booking consumes
    `attendance.no_show`). Full-day bookings have no start to be late for: never no-shows."""
    now = runtime.now()
    bookings = await runtime.upstream.bookings(
        tenant_id, now.date() - 2 * ONE_DAY, now.date() + ONE_DAY
    )
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        repo = Repo(session, tenant_id)
        settings = await repo.settings_of(sorted({b.library_id for b in bookings}))
        due = []
        for booking in bookings:
            if window_of(booking).is_full_day:
                continue
            grace = timedelta(minutes=settings[booking.library_id].no_show_grace_minutes)
            today = local(now, booking.timezone).date()
            for day in (today - ONE_DAY, today):
                if not booking.start_date <= day <= booking.end_date or paused_on(booking, day):
                    continue
                occurrence = occurrence_of(booking, day)
                # Only while the occurrence runs: a release after its end frees nothing.
                if occurrence.starts_at + grace <= now < occurrence.ends_at:
                    due.append(occurrence)
        present = await repo.recorded_days([(o.booking.id, o.day) for o in due])
        released = 0
        for occurrence in due:
            booking = occurrence.booking
            if (booking.id, occurrence.day) in present:
                continue
            row = {**occurrence_row(tenant_id, occurrence), "recorded_at": now}
            if await insert_ignored(session, AttendanceNoShow.__table__, row):  # type: ignore[arg-type]
                released += 1
                event = NoShow(
                    no_show_id=row["id"],
                    booking_id=booking.id,
                    library_id=booking.library_id,
                    student_id=booking.student_id,
                    shift_id=booking.shift_id,
                    seat_id=booking.seat_id,
                    day=occurrence.day,
                    shift_starts_at=occurrence.starts_at,
                )
                await publish(session, NO_SHOW, event.model_dump(mode="json"), tenant_id=tenant_id)
        return released


async def check_out_stayers(now: datetime, db: Database, tenant_id: uuid.UUID) -> int:
    """Check out, at the shift's end, everyone still in at end + grace."""
    closed = 0
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        repo = Repo(session, tenant_id)
        for record in await repo.due_checkouts(now, BATCH):
            if await repo.close(record.id, record.shift_ends_at, "auto"):
                await session.refresh(record)
                await publish(
                    session, "attendance.checked_out", event_payload(record), tenant_id=tenant_id
                )
                closed += 1
    return closed


async def sweep_tenant(runtime: Runtime, db: Database, tenant_id: uuid.UUID) -> SweepResult:
    result = SweepResult()
    result.checked_out = await check_out_stayers(runtime.now(), db, tenant_id)
    result.no_shows = await release_no_shows(runtime, db, tenant_id)
    return result


class Sweeper:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.stop = asyncio.Event()

    async def run_once(self) -> SweepResult:
        total = SweepResult()
        for home in await tenant_homes(self.runtime.kit.core):
            try:
                db = await self.runtime.kit.tenants.get(home.database_key)
                part = await sweep_tenant(self.runtime, db, home.tenant_id)
            except Exception as exc:
                # One tenant's trouble (or the booking service down) must not stop the others.
                log.warning(
                    "attendance.sweep_failed",
                    tenant_id=str(home.tenant_id),
                    error=type(exc).__name__,
                )
                continue
            total.no_shows += part.no_shows
            total.checked_out += part.checked_out
        return total

    async def run(self) -> None:
        period = self.runtime.config.sweep_seconds
        while not self.stop.is_set():
            try:
                await asyncio.wait_for(self.stop.wait(), timeout=period)
            except TimeoutError:
                try:
                    await periodic.once(
                        self.runtime.kit.core, "attendance_sweep", period, self.run_once
                    )
                except Exception as exc:
                    log.error("attendance.sweeper_failed", error=type(exc).__name__)
