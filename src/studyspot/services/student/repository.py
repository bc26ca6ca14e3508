"""Queries of the students table: visibility, search, numbering, bulk insert."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Select,
    Uuid,
    any_,
    bindparam,
    delete,
    false,
    func,
    insert,
    intersect,
    literal,
    select,
    union,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import ColumnElement

from studyspot.kit.driver_reads import reads
from studyspot.kit.pagination import sort_clause
from studyspot.kit.repository import TenantRepository
from studyspot.services.student.models import (
    Student,
    StudentCount,
    StudentCounter,
    StudentSearchTerm,
)
from studyspot.services.student.search_terms import HIGHEST, Search, read_search, terms_for

ENROLLMENT_PREFIX = "STU-"

SORTABLE: dict[str, Any] = {
    "name": Student.name,
    "enrollment_number": Student.enrollment_seq,
    "created_at": Student.created_at,
    "admission_date": Student.admission_date,
}


def enrollment_number(seq: int) -> str:
    return f"{ENROLLMENT_PREFIX}{seq:06d}"


def _among_libraries(dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # One array parameter: the statement's shape does not depend on how many branches.
        return Student.home_library_id == any_(bindparam("libs", type_=postgresql.ARRAY(Uuid)))
    return Student.home_library_id.in_(bindparam("libs", expanding=True))


@functools.cache
def _plain_page(dialect: str, by_library: bool, by_status: bool, sort: str | None) -> Select[Any]:
    """One page of live students, unsearched: built once per shape (kit/driver_reads.py)."""
    query = select(*Student.__table__.columns).where(
        Student.tenant_id == bindparam("tid", type_=Uuid), Student.erased_at.is_(None)
    )
    if by_library:
        query = query.where(_among_libraries(dialect))
    if by_status:
        query = query.where(Student.status == bindparam("status"))
    order = sort_clause(sort, SORTABLE, [Student.created_at.desc(), Student.id])
    return query.order_by(*order).limit(bindparam("limit")).offset(bindparam("offset"))


# What another service is told of a student (student/internal.py `internal_view`).
_INTERNAL_COLUMNS = (
    "id",
    "tenant_id",
    "name",
    "email",
    "phone",
    "status",
    "enrollment_number",
    "home_library_id",
    "erased_at",
    "date_of_birth",
    "guardian_phone",
    "guardian_email",
)
_INTERNAL_ROW = select(*(Student.__table__.c[name] for name in _INTERNAL_COLUMNS)).where(
    Student.tenant_id == bindparam("tid", type_=Uuid), Student.id == bindparam("sid", type_=Uuid)
)


@functools.cache
def _kept_count(dialect: str, by_library: bool, by_status: bool) -> Select[Any]:
    query = select(func.coalesce(func.sum(StudentCount.n), 0)).where(
        StudentCount.tenant_id == bindparam("tid", type_=Uuid)
    )
    if by_library:
        if dialect == "postgresql":
            query = query.where(
                StudentCount.home_library_id
                == any_(bindparam("libs", type_=postgresql.ARRAY(Uuid)))
            )
        else:
            query = query.where(StudentCount.home_library_id.in_(bindparam("libs", expanding=True)))
    if by_status:
        query = query.where(StudentCount.status == bindparam("status"))
    return query


@dataclass(frozen=True)
class StudentFilter:
    """What a caller asked for; the branches it may see are added by `filtered`."""

    q: str | None = None
    library_id: uuid.UUID | None = None
    status: str | None = None
    # Only these students (another service's answer, e.g. plans running out); None: no limit.
    ids: frozenset[uuid.UUID] | None = None
    # Never these students (e.g. those with dues, for `with_dues=false`).
    excluded: frozenset[uuid.UUID] = frozenset()

    @property
    def names_students(self) -> bool:
        """True when another service's answer limits the students, so kept counts do not apply."""
        return self.ids is not None or bool(self.excluded)


class StudentRepository(TenantRepository[Student]):
    model = Student

    def live(self) -> Select[Any]:
        """Students of this tenant that were not erased."""
        return self.select().where(Student.erased_at.is_(None))

    async def internal_row(self, student_id: uuid.UUID) -> Mapping[str, Any] | None:
        """The columns other services are told of, erased students included: one read on
        the driver (every booking asks it), not an ORM entity."""
        async with reads(self.session) as read:
            rows = await read.fetch(_INTERNAL_ROW, {"tid": self.tenant_id, "sid": student_id})
        return rows[0] if rows else None

    async def get_live(self, student_id: uuid.UUID, *, for_update: bool = False) -> Student | None:
        query = self.live().where(Student.id == student_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    def filtered(self, flt: StudentFilter, library_ids: frozenset[uuid.UUID] | None) -> Select[Any]:
        """Live students matching `flt` among `library_ids` (None: every branch)."""
        query = self.live()
        if library_ids is not None:
            query = query.where(Student.home_library_id.in_(sorted(library_ids)))
        if flt.status is not None:
            query = query.where(Student.status == flt.status)
        if flt.q:
            query = query.where(self._search(flt.q))
        if flt.ids is not None:
            query = query.where(self._among(flt.ids))
        if flt.excluded:
            query = query.where(~self._among(flt.excluded))
        return query

    def _among(self, ids: frozenset[uuid.UUID]) -> ColumnElement[bool]:
        if not ids:
            return false()
        if self.session.get_bind().dialect.name == "postgresql":
            # One array parameter however many ids: asyncpg takes at most 32,767 parameters.
            return Student.id == any_(literal(sorted(ids), postgresql.ARRAY(Uuid)))
        return Student.id.in_(sorted(ids))

    def _search(self, raw: str) -> ColumnElement[bool]:
        """One search box: an enrollment number, (part of) a phone number, or name words."""
        search = read_search(raw)
        if search.enrollment_seq is not None:
            return Student.enrollment_seq == search.enrollment_seq
        if search.full_phone is not None:
            return Student.phone == search.full_phone
        ids = self._matching_ids(search)
        return false() if ids is None else Student.id.in_(ids)

    def _matching_ids(self, search: Search) -> Select[Any] | None:
        """Ids of live students whose terms match (erased students have no terms)."""
        if search.phone_prefixes:
            # A UNION rather than an OR of two IN clauses: the planner then joins
            # the few matching ids instead of testing every student of the tenant.
            found = union(*[self._starting(p) for p in search.phone_prefixes])
        elif len(search.words) > 1:
            found = intersect(*[self._starting(w) for w in search.words])
        elif search.words:
            return self._starting(search.words[0]).distinct()
        else:
            return None
        return select(found.subquery().c.student_id)

    def _starting(self, prefix: str) -> Select[Any]:
        return select(StudentSearchTerm.student_id).where(
            StudentSearchTerm.tenant_id == self.tenant_id,
            StudentSearchTerm.term >= prefix,
            StudentSearchTerm.term < prefix + HIGHEST,
        )

    async def plain_page(
        self,
        flt: StudentFilter,
        library_ids: frozenset[uuid.UUID] | None,
        sort: str | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[Mapping[str, Any]], int]:
        """A page of an unsearched list and its total (from the kept counts), as mappings.

        The register's first screen: both reads run on the driver in one read-only
        transaction of their own (kit/driver_reads.py `reads`), which costs about half the
        CPU of the same SQL through the ORM session.
        """
        dialect = self.session.get_bind().dialect.name
        by_library, by_status = library_ids is not None, flt.status is not None
        params: dict[str, Any] = {"tid": self.tenant_id, "limit": limit, "offset": offset}
        if library_ids is not None:
            params["libs"] = sorted(library_ids)
        if flt.status is not None:
            params["status"] = flt.status
        async with reads(self.session) as read:
            rows = await read.fetch(_plain_page(dialect, by_library, by_status, sort), params)
            total = await read.value(_kept_count(dialect, by_library, by_status), params)
        return rows, int(total or 0)

    async def page(
        self, query: Select[Any], order_by: list[Any], offset: int, limit: int
    ) -> list[Row[Any]]:
        """One page as plain rows (attribute access like a Student, no ORM bookkeeping)."""
        rows = await self.session.execute(
            query.with_only_columns(*Student.__table__.columns)
            .order_by(*order_by)
            .offset(offset)
            .limit(limit)
        )
        return list(rows)

    async def count(
        self, query: Select[Any], flt: StudentFilter, library_ids: frozenset[uuid.UUID] | None
    ) -> int:
        """The number of students `query` matches; from the kept counts when it is not a search."""
        if not flt.q and not flt.names_students:
            return await self.counted(library_ids, flt.status)
        matching = self._matching_ids(read_search(flt.q)) if flt.q else None
        if (
            matching is not None
            and library_ids is None
            and flt.status is None
            and not flt.names_students
        ):
            # Terms alone answer "how many": no need to visit every matching student.
            total = await self.session.scalar(select(func.count()).select_from(matching.subquery()))
            return int(total or 0)
        total = await self.session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        )
        return int(total or 0)

    # --- search terms -------------------------------------------------------

    async def replace_terms(self, student: Student) -> None:
        await self.session.execute(
            delete(StudentSearchTerm).where(
                StudentSearchTerm.tenant_id == self.tenant_id,
                StudentSearchTerm.student_id == student.id,
            )
        )
        if student.erased_at is None:
            await self.insert_terms({student.id: terms_for(student.name, student.phone)})

    async def insert_terms(self, terms: dict[uuid.UUID, list[str]]) -> None:
        rows = [
            {"tenant_id": self.tenant_id, "term": term, "student_id": student_id}
            for student_id, words in terms.items()
            for term in words
        ]
        for start in range(0, len(rows), 2000):
            await self.session.execute(insert(StudentSearchTerm), rows[start : start + 2000])

    # --- kept counts --------------------------------------------------------

    async def add_counts(self, deltas: dict[tuple[uuid.UUID, str], int]) -> None:
        """Add `n` to the live count of each (branch, status); negative to take away."""
        dialect = self.session.get_bind().dialect.name
        make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for (library_id, status), n in sorted(
            deltas.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])
        ):
            if n == 0:
                continue
            ins = make_insert(StudentCount).values(
                tenant_id=self.tenant_id, home_library_id=library_id, status=status, n=n
            )
            await self.session.execute(
                ins.on_conflict_do_update(
                    index_elements=["tenant_id", "home_library_id", "status"],
                    set_={"n": StudentCount.n + n},
                )
            )

    async def counted(
        self, library_ids: frozenset[uuid.UUID] | None, status: str | None = None
    ) -> int:
        query = select(func.coalesce(func.sum(StudentCount.n), 0)).where(
            StudentCount.tenant_id == self.tenant_id
        )
        if library_ids is not None:
            query = query.where(StudentCount.home_library_id.in_(sorted(library_ids)))
        if status is not None:
            query = query.where(StudentCount.status == status)
        return int(await self.session.scalar(query) or 0)

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
        return await self.counted(None)

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
        query = select(StudentCount.status, func.sum(StudentCount.n)).where(
            StudentCount.tenant_id == self.tenant_id
        )
        if library_ids is not None:
            query = query.where(StudentCount.home_library_id.in_(sorted(library_ids)))
        rows = await self.session.execute(query.group_by(StudentCount.status))
        return {str(status): int(n or 0) for status, n in rows}

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
