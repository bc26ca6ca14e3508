"""Queries and conditional writes of attendance rows; all scoped to one tenant.

Races are settled by the database, not by locks: a code step is used once because
(tenant, student, purpose, step) is a primary key; one record per booking and day and one
no-show per booking and day by unique keys; inserts that lose answer "already there"
(`insert_ignored`) instead of failing, and a check-out is a conditional UPDATE that says
whether it won. So two instances, or two taps, never write twice nor answer 500.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.repository import insert_ignored, insert_ignored_many
from studyspot.services.attendance.models import (
    AttendanceCodeUse,
    AttendanceNoShow,
    AttendanceRecord,
    LibrarySettings,
)
from studyspot.services.attendance.schemas import SettingsUpdate

DEFAULTS = SettingsUpdate()


class Repo:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def use_step(self, student_id: uuid.UUID, purpose: str, step: int, at: datetime) -> bool:
        """Mark a code step used by the student for `purpose`; False if it already was."""
        return await insert_ignored(
            self.session,
            AttendanceCodeUse.__table__,  # type: ignore[arg-type]
            {
                "tenant_id": self.tenant_id,
                "student_id": student_id,
                "purpose": purpose,
                "step": step,
                "used_at": at,
            },
        )

    async def use_steps(
        self, purpose: str, uses: list[tuple[uuid.UUID, int, datetime]]
    ) -> set[tuple[uuid.UUID, int]]:
        """`use_step` for many (student, step, at): the (student, step) pairs this call used."""
        table = AttendanceCodeUse.__table__
        rows = [
            {
                "tenant_id": self.tenant_id,
                "student_id": student_id,
                "purpose": purpose,
                "step": step,
                "used_at": at,
            }
            for student_id, step, at in uses
        ]
        inserted = await insert_ignored_many(
            self.session,
            table,  # type: ignore[arg-type]
            rows,
            [table.c.student_id, table.c.step],
        )
        return {(row[0], row[1]) for row in inserted}

    async def settings_of(self, library_ids: list[uuid.UUID]) -> dict[uuid.UUID, SettingsUpdate]:
        """Each library's settings, the defaults where it has none."""
        found = {lib: DEFAULTS for lib in library_ids}
        if not library_ids:
            return found
        rows = await self.session.scalars(
            select(LibrarySettings).where(
                LibrarySettings.tenant_id == self.tenant_id,
                LibrarySettings.library_id.in_(sorted(set(library_ids))),
            )
        )
        for row in rows:
            found[row.library_id] = SettingsUpdate(
                opens_before_minutes=row.opens_before_minutes,
                no_show_grace_minutes=row.no_show_grace_minutes,
                late_after_minutes=row.late_after_minutes,
                checkout_grace_minutes=row.checkout_grace_minutes,
            )
        return found

    async def all_settings(self) -> dict[uuid.UUID, SettingsUpdate]:
        rows = await self.session.scalars(
            select(LibrarySettings.library_id).where(LibrarySettings.tenant_id == self.tenant_id)
        )
        return await self.settings_of(list(rows))

    async def record_for(
        self, booking_id: uuid.UUID, day: date, *, for_update: bool = False
    ) -> AttendanceRecord | None:
        query = select(AttendanceRecord).where(
            AttendanceRecord.tenant_id == self.tenant_id,
            AttendanceRecord.booking_id == booking_id,
            AttendanceRecord.day == day,
        )
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    async def get(self, record_id: uuid.UUID) -> AttendanceRecord | None:
        return (
            await self.session.scalars(
                select(AttendanceRecord).where(
                    AttendanceRecord.tenant_id == self.tenant_id,
                    AttendanceRecord.id == record_id,
                )
            )
        ).first()

    async def open_records(
        self, student_id: uuid.UUID, library_id: uuid.UUID
    ) -> list[AttendanceRecord]:
        rows = await self.session.scalars(
            select(AttendanceRecord)
            .where(
                AttendanceRecord.tenant_id == self.tenant_id,
                AttendanceRecord.student_id == student_id,
                AttendanceRecord.library_id == library_id,
                AttendanceRecord.checked_out_at.is_(None),
            )
            .order_by(AttendanceRecord.checked_in_at)
        )
        return list(rows)

    async def close(
        self, record_id: uuid.UUID, at: datetime, method: str, *, only_if_open: bool = True
    ) -> bool:
        """Check a record out at `at`; False when it was not open (someone else closed it)."""
        query = (
            update(AttendanceRecord)
            .where(AttendanceRecord.tenant_id == self.tenant_id, AttendanceRecord.id == record_id)
            .values(checked_out_at=at, check_out_method=method, open_until=None, updated_at=at)
        )
        if only_if_open:
            query = query.where(AttendanceRecord.checked_out_at.is_(None))
        result = await self.session.execute(query)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def records_of_day(self, library_id: uuid.UUID, day: date) -> list[AttendanceRecord]:
        rows = await self.session.scalars(
            select(AttendanceRecord).where(
                AttendanceRecord.tenant_id == self.tenant_id,
                AttendanceRecord.library_id == library_id,
                AttendanceRecord.day == day,
            )
        )
        return list(rows)

    async def no_shows_of_day(self, library_id: uuid.UUID, day: date) -> set[uuid.UUID]:
        rows = await self.session.scalars(
            select(AttendanceNoShow.booking_id).where(
                AttendanceNoShow.tenant_id == self.tenant_id,
                AttendanceNoShow.library_id == library_id,
                AttendanceNoShow.day == day,
            )
        )
        return set(rows)

    async def has_no_show(self, booking_id: uuid.UUID, day: date) -> bool:
        found = await self.session.scalar(
            select(AttendanceNoShow.id).where(
                AttendanceNoShow.tenant_id == self.tenant_id,
                AttendanceNoShow.booking_id == booking_id,
                AttendanceNoShow.day == day,
            )
        )
        return found is not None

    async def no_show_days(
        self, pairs: list[tuple[uuid.UUID, date]]
    ) -> set[tuple[uuid.UUID, date]]:
        """Which (booking, day) pairs had their seat released by a no-show."""
        wanted = set(pairs)
        if not wanted:
            return set()
        rows = await self.session.execute(
            select(AttendanceNoShow.booking_id, AttendanceNoShow.day).where(
                AttendanceNoShow.tenant_id == self.tenant_id,
                AttendanceNoShow.booking_id.in_(sorted({b for b, _ in wanted})),
                AttendanceNoShow.day.in_(sorted({d for _, d in wanted})),
            )
        )
        return {(r[0], r[1]) for r in rows} & wanted

    async def records_of(
        self, pairs: list[tuple[uuid.UUID, date]]
    ) -> dict[tuple[uuid.UUID, date], AttendanceRecord]:
        """The records of these (booking, day) pairs, locked for update."""
        wanted = set(pairs)
        if not wanted:
            return {}
        rows = await self.session.scalars(
            select(AttendanceRecord)
            .where(
                AttendanceRecord.tenant_id == self.tenant_id,
                AttendanceRecord.booking_id.in_(sorted({b for b, _ in wanted})),
                AttendanceRecord.day.in_(sorted({d for _, d in wanted})),
            )
            .with_for_update()
        )
        return {(r.booking_id, r.day): r for r in rows if (r.booking_id, r.day) in wanted}

    async def insert_records(self, rows: list[dict[str, Any]]) -> set[tuple[uuid.UUID, date]]:
        """Insert new records; the (booking, day) pairs inserted (the others existed)."""
        table = AttendanceRecord.__table__
        inserted = await insert_ignored_many(
            self.session,
            table,  # type: ignore[arg-type]
            rows,
            [table.c.booking_id, table.c.day],
        )
        return {(row[0], row[1]) for row in inserted}

    async def recorded_days(
        self, pairs: list[tuple[uuid.UUID, date]]
    ) -> set[tuple[uuid.UUID, date]]:
        """Which (booking, day) pairs have an attendance record."""
        if not pairs:
            return set()
        rows = await self.session.execute(
            select(AttendanceRecord.booking_id, AttendanceRecord.day).where(
                AttendanceRecord.tenant_id == self.tenant_id,
                AttendanceRecord.booking_id.in_(sorted({b for b, _ in pairs})),
            )
        )
        return {(r[0], r[1]) for r in rows}

    async def due_checkouts(self, now: datetime, limit: int) -> list[AttendanceRecord]:
        rows = await self.session.scalars(
            select(AttendanceRecord)
            .where(
                AttendanceRecord.tenant_id == self.tenant_id,
                AttendanceRecord.checked_out_at.is_(None),
                AttendanceRecord.open_until <= now,
            )
            .order_by(AttendanceRecord.open_until)
            .limit(limit)
        )
        return list(rows)

    async def checked_in_now(
        self, library_ids: list[uuid.UUID]
    ) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
        """(library, shift) of every record checked in now, in these libraries."""
        rows = await self.session.execute(
            select(AttendanceRecord.library_id, AttendanceRecord.shift_id).where(
                AttendanceRecord.tenant_id == self.tenant_id,
                AttendanceRecord.library_id.in_(sorted(set(library_ids))),
                AttendanceRecord.checked_out_at.is_(None),
            )
        )
        return [(r[0], r[1]) for r in rows]
