"""Reading attendance back: a student's history, no-shows, checked-in counts, the CSV export."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import date

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.pagination import PageParams
from studyspot.services.attendance.check_ins import read_of
from studyspot.services.attendance.client import (
    AttendanceEntry,
    AttendanceHistory,
    CheckedInNow,
    LibraryCheckedIn,
    ShiftCheckedIn,
)
from studyspot.services.attendance.models import AttendanceNoShow, AttendanceRecord
from studyspot.services.attendance.repository import Repo

EXPORT_CHUNK = 1000
EXPORT_COLUMNS = (
    "day",
    "student_id",
    "booking_id",
    "shift_id",
    "seat_label",
    "shift_starts_at",
    "shift_ends_at",
    "checked_in_at",
    "check_in_method",
    "late",
    "checked_out_at",
    "check_out_method",
    "minutes_present",
    "corrected",
)


async def student_history(
    session: AsyncSession, tenant_id: uuid.UUID, student_id: uuid.UUID, paging: PageParams
) -> AttendanceHistory:
    """Days attended and no-shows, newest first (a UNION of both, paged in SQL)."""
    r, n = AttendanceRecord, AttendanceNoShow
    records = select(r.id, literal("attendance").label("kind"), r.day, r.shift_starts_at).where(
        r.tenant_id == tenant_id, r.student_id == student_id
    )
    no_shows = select(n.id, literal("no_show").label("kind"), n.day, n.shift_starts_at).where(
        n.tenant_id == tenant_id, n.student_id == student_id
    )
    both = union_all(records, no_shows).subquery()
    total = int(await session.scalar(select(func.count()).select_from(both)) or 0)
    page = await session.execute(
        select(both.c.id, both.c.kind)
        .order_by(both.c.day.desc(), both.c.shift_starts_at.desc(), both.c.id)
        .offset(paging.offset)
        .limit(paging.page_size)
    )
    wanted = [(row[0], row[1]) for row in page]
    record_ids = [i for i, kind in wanted if kind == "attendance"]
    no_show_ids = [i for i, kind in wanted if kind == "no_show"]
    found: dict[uuid.UUID, AttendanceEntry] = {}
    if record_ids:
        for rec in await session.scalars(
            select(r).where(r.tenant_id == tenant_id, r.id.in_(record_ids))
        ):
            read = read_of(rec)
            found[rec.id] = AttendanceEntry(
                id=rec.id,
                kind="attendance",
                library_id=rec.library_id,
                booking_id=rec.booking_id,
                shift_id=rec.shift_id,
                seat_id=rec.seat_id,
                day=rec.day,
                shift_starts_at=rec.shift_starts_at,
                checked_in_at=rec.checked_in_at,
                checked_out_at=rec.checked_out_at,
                late=rec.late,
                minutes_present=read.minutes_present,
            )
    if no_show_ids:
        for ns in await session.scalars(
            select(n).where(n.tenant_id == tenant_id, n.id.in_(no_show_ids))
        ):
            found[ns.id] = AttendanceEntry(
                id=ns.id,
                kind="no_show",
                library_id=ns.library_id,
                booking_id=ns.booking_id,
                shift_id=ns.shift_id,
                seat_id=ns.seat_id,
                day=ns.day,
                shift_starts_at=ns.shift_starts_at,
                checked_in_at=None,
                checked_out_at=None,
                late=False,
                minutes_present=None,
            )
    no_show_total = await session.scalar(
        select(func.count())
        .select_from(n)
        .where(n.tenant_id == tenant_id, n.student_id == student_id)
    )
    return AttendanceHistory(
        items=[found[i] for i, _ in wanted if i in found],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
        no_shows=int(no_show_total or 0),
    )


async def checked_in_now(
    session: AsyncSession, tenant_id: uuid.UUID, library_ids: list[uuid.UUID]
) -> CheckedInNow:
    counts: dict[uuid.UUID, dict[uuid.UUID | None, int]] = {lib: {} for lib in library_ids}
    for library_id, shift_id in await Repo(session, tenant_id).checked_in_now(library_ids):
        per_shift = counts.setdefault(library_id, {})
        per_shift[shift_id] = per_shift.get(shift_id, 0) + 1
    return CheckedInNow(
        libraries=[
            LibraryCheckedIn(
                library_id=lib,
                checked_in=sum(per_shift.values()),
                shifts=[
                    ShiftCheckedIn(shift_id=shift, checked_in=count)
                    for shift, count in sorted(per_shift.items(), key=lambda kv: str(kv[0]))
                ],
            )
            for lib, per_shift in counts.items()
        ]
    )


async def export_rows(
    db: Database, tenant_id: uuid.UUID, library_id: uuid.UUID, first: date, last: date
) -> AsyncIterator[str]:
    """CSV text of the library's records from `first` to `last`, a chunk at a time.

    Each chunk is read in its own short unit of work (keyset on day, id), so a long
    export neither holds a transaction nor the whole file in memory.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    yield out.getvalue()
    after: tuple[date, uuid.UUID] | None = None
    r = AttendanceRecord
    while True:
        out.seek(0)
        out.truncate()
        query = select(r).where(
            r.tenant_id == tenant_id, r.library_id == library_id, r.day >= first, r.day <= last
        )
        if after is not None:
            query = query.where((r.day > after[0]) | ((r.day == after[0]) & (r.id > after[1])))
        async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
            rows = list(await session.scalars(query.order_by(r.day, r.id).limit(EXPORT_CHUNK)))
        for rec in rows:
            read = read_of(rec)
            writer.writerow(
                [
                    rec.day.isoformat(),
                    rec.student_id,
                    rec.booking_id,
                    rec.shift_id or "",
                    rec.seat_label or "",
                    rec.shift_starts_at.isoformat(),
                    rec.shift_ends_at.isoformat(),
                    rec.checked_in_at.isoformat(),
                    rec.check_in_method,
                    "yes" if rec.late else "no",
                    rec.checked_out_at.isoformat() if rec.checked_out_at else "",
                    rec.check_out_method or "",
                    "" if read.minutes_present is None else read.minutes_present,
                    "yes" if rec.corrected else "no",
                ]
            )
        if rows:
            yield out.getvalue()
        if len(rows) < EXPORT_CHUNK:
            return
        after = (rows[-1].day, rows[-1].id)
