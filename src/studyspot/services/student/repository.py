"""Queries of the students table: visibility, search, numbering, bulk insert."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from studyspot.kit.repository import TenantRepository
from studyspot.services.student.models import Student, StudentCounter
from studyspot.services.student.phones import phone_search_digits

ENROLLMENT_PREFIX = "STU-"
_ENROLLMENT_QUERY = ENROLLMENT_PREFIX.lower()

SORTABLE: dict[str, Any] = {
    "name": Student.name,
    "enrollment_number": Student.enrollment_seq,
    "created_at": Student.created_at,
    "admission_date": Student.admission_date,
}


def enrollment_number(seq: int) -> str:
    return f"{ENROLLMENT_PREFIX}{seq:06d}"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class StudentFilter:
    q: str | None = None
    library_ids: frozenset[uuid.UUID] | None = None  # None: every library
    status: str | None = None


class StudentRepository(TenantRepository[Student]):
    model = Student

    def live(self) -> Select[Any]:
        """Students of this tenant that were not erased."""
        return self.select().where(Student.erased_at.is_(None))

    async def get_live(self, student_id: uuid.UUID, *, for_update: bool = False) -> Student | None:
        query = self.live().where(Student.id == student_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    def filtered(self, flt: StudentFilter) -> Select[Any]:
        query = self.live()
        if flt.library_ids is not None:
            query = query.where(Student.home_library_id.in_(sorted(flt.library_ids)))
        if flt.status is not None:
            query = query.where(Student.status == flt.status)
        if flt.q:
            query = query.where(self._search(flt.q))
        return query

    @staticmethod
    def _search(raw: str) -> ColumnElement[bool]:
        """One search box: an enrollment number, (part of) a phone number, or a name."""
        q = raw.strip()
        lowered = q.lower()
        if lowered.startswith(_ENROLLMENT_QUERY) and lowered[len(_ENROLLMENT_QUERY) :].isdigit():
            return Student.enrollment_seq == int(lowered[len(_ENROLLMENT_QUERY) :])
        digits = phone_search_digits(q)
        if digits is not None:
            if len(digits) == 10:
                return Student.phone == "+91" + digits
            return Student.phone.like(f"%{digits}%")
        # lower(name) is what the trigram index holds (PostgreSQL).
        return func.lower(Student.name).like(f"%{_escape_like(lowered)}%", escape="\\")

    async def phone_owner(
        self, phone: str, *, excluding: uuid.UUID | None = None
    ) -> Student | None:
        query = self.live().where(Student.phone == phone)
        if excluding is not None:
            query = query.where(Student.id != excluding)
        return await self.first(query)

    async def phones_in_use(self, phones: Iterable[str]) -> dict[str, str]:
        """Phone → enrollment number of live students holding any of `phones`."""
        found: dict[str, str] = {}
        wanted = sorted(set(phones))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = await self.session.execute(
                select(Student.phone, Student.enrollment_number).where(
                    Student.tenant_id == self.tenant_id,
                    Student.phone.in_(chunk),
                    Student.erased_at.is_(None),
                )
            )
            found.update({str(phone): str(number) for phone, number in rows})
        return found

    async def count_live(self) -> int:
        total = await self.session.scalar(
            select(func.count())
            .select_from(Student)
            .where(Student.tenant_id == self.tenant_id, Student.erased_at.is_(None))
        )
        return int(total or 0)

    async def reserve_numbers(self, count: int) -> int:
        """Reserve `count` enrollment numbers; returns the first. Holds the counter row lock.

        The UPDATE takes the tenant's counter row lock until commit, which also
        makes the plan-limit count that follows race-free per tenant.
        """
        bump = (
            update(StudentCounter)
            .where(StudentCounter.tenant_id == self.tenant_id)
            .values(last_value=StudentCounter.last_value + count)
            .returning(StudentCounter.last_value)
        )
        last = await self.session.scalar(bump)
        if last is None:
            dialect = self.session.get_bind().dialect.name
            ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(StudentCounter)
            await self.session.execute(
                ins.values(tenant_id=self.tenant_id, last_value=0).on_conflict_do_nothing()
            )
            last = await self.session.scalar(bump)
        assert last is not None
        return int(last) - count + 1

    async def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        # Core executemany: one round trip per batch instead of one ORM flush per row.
        for start in range(0, len(rows), 1000):
            batch = [dict(row, tenant_id=self.tenant_id) for row in rows[start : start + 1000]]
            await self.session.execute(insert(Student), batch)

    async def counts_by_status(self, library_ids: frozenset[uuid.UUID] | None) -> dict[str, int]:
        query = select(Student.status, func.count()).where(
            Student.tenant_id == self.tenant_id, Student.erased_at.is_(None)
        )
        if library_ids is not None:
            query = query.where(Student.home_library_id.in_(sorted(library_ids)))
        rows = await self.session.execute(query.group_by(Student.status))
        return {str(status): int(n) for status, n in rows}

    async def admissions_by_month(
        self, since: date, library_ids: frozenset[uuid.UUID] | None
    ) -> dict[str, int]:
        dialect = self.session.get_bind().dialect.name
        month = (
            func.to_char(Student.admission_date, "YYYY-MM")
            if dialect == "postgresql"
            else func.strftime("%Y-%m", Student.admission_date)
        )
        query = select(month, func.count()).where(
            Student.tenant_id == self.tenant_id,
            Student.erased_at.is_(None),
            Student.admission_date >= since,
        )
        if library_ids is not None:
            query = query.where(Student.home_library_id.in_(sorted(library_ids)))
        rows = await self.session.execute(query.group_by(month))
        return {str(m): int(n) for m, n in rows}
