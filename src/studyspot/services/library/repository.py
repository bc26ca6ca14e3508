"""Queries of the library service; every one is scoped to the caller's tenant."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from studyspot.kit.repository import TenantRepository
from studyspot.services.library.client import FeePlanRecord
from studyspot.services.library.models import (
    FeePlan,
    FeePlanShift,
    Library,
    LibraryStaff,
    Seat,
    Shift,
    StaffAssignment,
)

_NUMBER = re.compile(r"\d+")
# The plan's columns another service reads (its shifts come from fee_plan_shifts).
FEE_PLAN_RECORD_COLUMNS = frozenset(FeePlanRecord.model_fields) - {"shift_ids"}


def seat_sort_key(label: str) -> str:
    """Numbers zero-padded to 10 digits, case folded: A2 < A10 < B1."""
    return _NUMBER.sub(lambda m: m.group(0).zfill(10), label.upper())[:64]


def violates(exc: IntegrityError, index: str, sqlite_columns: str) -> bool:
    """Whether an IntegrityError is the unique index `index` (PostgreSQL names it,
    SQLite lists the columns as `table.a, table.b`)."""
    text = str(exc.orig)
    return index in text or sqlite_columns in text


class LibraryRepository(TenantRepository[Library]):
    model = Library

    def visible(self, library_ids: Collection[uuid.UUID] | None) -> Select[Library]:
        query = self.select()
        if library_ids is not None:
            query = query.where(Library.id.in_(sorted(library_ids)))
        return query

    async def count(self) -> int:
        total = await self.session.scalar(
            select(func.count()).select_from(Library).where(Library.tenant_id == self.tenant_id)
        )
        return int(total or 0)

    async def existing_ids(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        rows = await self.session.scalars(
            self.scoped(select(Library.id)).where(Library.id.in_(wanted))
        )
        return set(rows)

    async def name_taken(self, name: str, *, besides: uuid.UUID | None = None) -> bool:
        query = self.scoped(select(Library.id)).where(Library.name == name)
        if besides is not None:
            query = query.where(Library.id != besides)
        return (await self.session.scalar(query.limit(1))) is not None

    async def delete(self, library: Library) -> None:
        await self.session.delete(library)
        await self.session.flush()

    async def catalog(self, library: Library) -> dict[str, Any]:
        """`library` with its seats (map order), shifts, seat counts and the fee plans
        offered there, as `GET /internal/libraries/{id}/catalog` answers it
        (client.LibraryCatalog).

        Plain rows, not ORM objects and models: a 500-seat map is read on every
        availability request, and the caller validates what it receives.
        """
        seat_query = (
            select(
                Seat.id,
                Seat.label,
                Seat.seat_type,
                Seat.status,
                Seat.zone,
                Seat.floor,
                Seat.row,
                Seat.column,
            )
            .where(Seat.tenant_id == self.tenant_id, Seat.library_id == library.id)
            .order_by(Seat.sort_key, Seat.id)
        )
        connection = await self.session.connection()
        seats = [
            {
                "id": r[0],
                "label": r[1],
                "seat_type": r[2],
                "status": r[3],
                "zone": r[4],
                "floor": r[5],
                "row": r[6],
                "column": r[7],
            }
            for r in await connection.execute(seat_query)
        ]
        tally: dict[str, list[int]] = {}
        for seat in seats:
            active_maint = tally.setdefault(str(seat["seat_type"]), [0, 0])
            active_maint[seat["status"] == "maintenance"] += 1
        shift_rows = await connection.execute(
            select(Shift.id, Shift.name, Shift.start_time, Shift.end_time, Shift.is_full_day)
            .where(Shift.tenant_id == self.tenant_id, Shift.library_id == library.id)
            .order_by(Shift.start_time, Shift.name)
        )
        return {
            "id": library.id,
            "tenant_id": self.tenant_id,
            "name": library.name,
            "status": "closed" if library.status == "closed" else "active",
            "timezone": library.timezone,
            "state": library.state,
            "seats": seats,
            "shifts": [
                {
                    "id": r[0],
                    "name": r[1],
                    "start_time": "00:00" if r[4] else r[2],
                    "end_time": "24:00" if r[4] else r[3],
                    "is_full_day": r[4],
                }
                for r in shift_rows
            ],
            "seat_counts": [
                {"seat_type": kind, "active": active, "maintenance": maint}
                for kind, (active, maint) in sorted(tally.items())
            ],
            "fee_plans": await FeePlanRepository(self.session, self.tenant_id).offered_at(
                library.id
            ),
        }


class SeatRepository(TenantRepository[Seat]):
    model = Seat

    def of_library(self, library_id: uuid.UUID) -> Select[Seat]:
        return self.select().where(Seat.library_id == library_id)

    async def in_library(self, library_id: uuid.UUID, seat_id: uuid.UUID) -> Seat | None:
        return await self.first(self.of_library(library_id).where(Seat.id == seat_id))

    async def count(self) -> int:
        total = await self.session.scalar(
            select(func.count()).select_from(Seat).where(Seat.tenant_id == self.tenant_id)
        )
        return int(total or 0)

    async def taken_labels(
        self, library_id: uuid.UUID, labels: Collection[str], *, besides: uuid.UUID | None = None
    ) -> list[str]:
        found: set[str] = set()
        ordered = sorted(set(labels))
        # Chunked so that 1000 labels stay far below every driver's parameter limit.
        for start in range(0, len(ordered), 500):
            query = self.scoped(select(Seat.label)).where(
                Seat.library_id == library_id, Seat.label.in_(ordered[start : start + 500])
            )
            if besides is not None:
                query = query.where(Seat.id != besides)
            found.update(await self.session.scalars(query))
        return sorted(found, key=seat_sort_key)

    async def taken_positions(
        self,
        library_id: uuid.UUID,
        row: int,
        columns: Collection[int],
        *,
        besides: uuid.UUID | None = None,
    ) -> bool:
        query = self.scoped(select(Seat.id)).where(
            Seat.library_id == library_id, Seat.row == row, Seat.column.in_(sorted(columns))
        )
        if besides is not None:
            query = query.where(Seat.id != besides)
        return (await self.session.scalar(query.limit(1))) is not None

    def add_many(self, seats: list[Seat]) -> None:
        """Stage the seats; the caller flushes, so a lost race surfaces where it is handled."""
        for seat in seats:
            seat.tenant_id = self.tenant_id
        self.session.add_all(seats)

    async def counts_by_library(
        self, library_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[int, int]]:
        """library id → (seats, seats under maintenance)."""
        if not library_ids:
            return {}
        maintenance = func.sum(case((Seat.status == "maintenance", 1), else_=0))
        rows = await self.session.execute(
            select(Seat.library_id, func.count(), maintenance)
            .where(Seat.tenant_id == self.tenant_id, Seat.library_id.in_(sorted(library_ids)))
            .group_by(Seat.library_id)
        )
        return {lib: (int(total), int(maint or 0)) for lib, total, maint in rows}

    async def under_maintenance(
        self, library_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """library id → ids of its seats under maintenance."""
        if not library_ids:
            return {}
        rows = await self.session.execute(
            select(Seat.library_id, Seat.id).where(
                Seat.tenant_id == self.tenant_id,
                Seat.library_id.in_(sorted(library_ids)),
                Seat.status == "maintenance",
            )
        )
        found: dict[uuid.UUID, list[uuid.UUID]] = {}
        for library_id, seat_id in rows:
            found.setdefault(library_id, []).append(seat_id)
        return found

    async def delete(self, seat: Seat) -> None:
        await self.session.delete(seat)
        await self.session.flush()


class ShiftRepository(TenantRepository[Shift]):
    model = Shift

    def of_library(self, library_id: uuid.UUID) -> Select[Shift]:
        return self.select().where(Shift.library_id == library_id)

    async def in_library(self, library_id: uuid.UUID, shift_id: uuid.UUID) -> Shift | None:
        return await self.first(self.of_library(library_id).where(Shift.id == shift_id))

    async def of_libraries(self, library_ids: Collection[uuid.UUID]) -> list[Shift]:
        if not library_ids:
            return []
        return await self.all(
            self.select()
            .where(Shift.library_id.in_(sorted(library_ids)))
            .order_by(Shift.library_id, Shift.start_time, Shift.name)
        )

    async def name_taken(
        self, library_id: uuid.UUID, name: str, *, besides: uuid.UUID | None = None
    ) -> bool:
        query = self.scoped(select(Shift.id)).where(
            Shift.library_id == library_id, Shift.name == name
        )
        if besides is not None:
            query = query.where(Shift.id != besides)
        return (await self.session.scalar(query.limit(1))) is not None

    async def ids_in_library(
        self, library_id: uuid.UUID, shift_ids: Iterable[uuid.UUID]
    ) -> set[uuid.UUID]:
        wanted = sorted(set(shift_ids))
        if not wanted:
            return set()
        rows = await self.session.scalars(
            self.scoped(select(Shift.id)).where(
                Shift.library_id == library_id, Shift.id.in_(wanted)
            )
        )
        return set(rows)

    async def covered_by_plans(self, shift_id: uuid.UUID) -> bool:
        query = select(FeePlanShift.shift_id).where(
            FeePlanShift.tenant_id == self.tenant_id, FeePlanShift.shift_id == shift_id
        )
        return (await self.session.scalar(query.limit(1))) is not None

    async def delete(self, shift: Shift) -> None:
        await self.session.delete(shift)
        await self.session.flush()


class FeePlanRepository(TenantRepository[FeePlan]):
    model = FeePlan

    async def shift_ids(self, plan_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        found: dict[uuid.UUID, list[uuid.UUID]] = {pid: [] for pid in plan_ids}
        if not plan_ids:
            return found
        rows = await self.session.execute(
            select(FeePlanShift.fee_plan_id, FeePlanShift.shift_id)
            .where(
                FeePlanShift.tenant_id == self.tenant_id,
                FeePlanShift.fee_plan_id.in_(sorted(plan_ids)),
            )
            .order_by(FeePlanShift.fee_plan_id, FeePlanShift.shift_id)
        )
        for plan_id, shift_id in rows:
            found[plan_id].append(shift_id)
        return found

    async def offered_at(self, library_id: uuid.UUID) -> list[dict[str, Any]]:
        """The plans of `library_id` and of every library, active or not, as plain
        rows in `client.FeePlanRecord`'s shape (the catalog carries them)."""
        columns = [c for c in FeePlan.__table__.c if c.name in FEE_PLAN_RECORD_COLUMNS]
        rows = (
            await self.session.execute(
                select(*columns)
                .where(
                    FeePlan.tenant_id == self.tenant_id,
                    (FeePlan.library_id == library_id) | FeePlan.library_id.is_(None),
                )
                .order_by(FeePlan.created_at, FeePlan.id)
            )
        ).mappings()
        plans = [dict(row) for row in rows]
        shifts = await self.shift_ids([p["id"] for p in plans])
        for plan in plans:
            plan["shift_ids"] = shifts[plan["id"]]
        return plans

    async def set_shifts(self, plan_id: uuid.UUID, shift_ids: Iterable[uuid.UUID]) -> None:
        await self.session.execute(
            delete(FeePlanShift).where(
                FeePlanShift.tenant_id == self.tenant_id, FeePlanShift.fee_plan_id == plan_id
            )
        )
        self.session.add_all(
            FeePlanShift(tenant_id=self.tenant_id, fee_plan_id=plan_id, shift_id=sid)
            for sid in shift_ids
        )
        await self.session.flush()

    async def of_library_ever_used(self, library_id: uuid.UUID) -> bool:
        query = self.scoped(select(FeePlan.id)).where(
            FeePlan.library_id == library_id, FeePlan.used_at.is_not(None)
        )
        return (await self.session.scalar(query.limit(1))) is not None

    async def delete_unused_of_library(self, library_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(FeePlan).where(
                FeePlan.tenant_id == self.tenant_id,
                FeePlan.library_id == library_id,
                FeePlan.used_at.is_(None),
            )
        )

    async def mark_used(self, plan_id: uuid.UUID, at: datetime) -> None:
        """First use wins; later calls leave the first time in place."""
        await self.session.execute(
            update(FeePlan)
            .where(
                FeePlan.tenant_id == self.tenant_id,
                FeePlan.id == plan_id,
                FeePlan.used_at.is_(None),
            )
            .values(used_at=at)
        )

    async def delete_if_unused(self, plan_id: uuid.UUID) -> bool:
        """Delete unless it was sold meanwhile; the condition decides a race with mark_used."""
        result = await self.session.execute(
            delete(FeePlan).where(
                FeePlan.tenant_id == self.tenant_id,
                FeePlan.id == plan_id,
                FeePlan.used_at.is_(None),
            )
        )
        return bool(getattr(result, "rowcount", 0))


class StaffRepository(TenantRepository[LibraryStaff]):
    model = LibraryStaff

    async def count_active(self) -> int:
        """Active staff, as the plan's staff limit (and `GET /libraries/usage`) counts them."""
        found = await self.session.scalar(
            self.scoped(select(func.count()).select_from(LibraryStaff)).where(
                LibraryStaff.is_active.is_(True)
            )
        )
        return int(found or 0)

    async def library_ids(
        self, staff_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        found: dict[uuid.UUID, list[uuid.UUID]] = {sid: [] for sid in staff_ids}
        if not staff_ids:
            return found
        rows = await self.session.execute(
            select(StaffAssignment.staff_id, StaffAssignment.library_id)
            .where(
                StaffAssignment.tenant_id == self.tenant_id,
                StaffAssignment.staff_id.in_(sorted(staff_ids)),
            )
            .order_by(StaffAssignment.staff_id, StaffAssignment.library_id)
        )
        for staff_id, library_id in rows:
            found[staff_id].append(library_id)
        return found

    async def set_libraries(self, staff_id: uuid.UUID, library_ids: Iterable[uuid.UUID]) -> None:
        await self.session.execute(
            delete(StaffAssignment).where(
                StaffAssignment.tenant_id == self.tenant_id, StaffAssignment.staff_id == staff_id
            )
        )
        self.session.add_all(
            StaffAssignment(tenant_id=self.tenant_id, staff_id=staff_id, library_id=lid)
            for lid in library_ids
        )
        await self.session.flush()

    def working_at(self, library_ids: Collection[uuid.UUID]) -> Select[LibraryStaff]:
        assigned = select(StaffAssignment.staff_id).where(
            StaffAssignment.tenant_id == self.tenant_id,
            StaffAssignment.library_id.in_(sorted(library_ids)),
        )
        return self.select().where(LibraryStaff.id.in_(assigned))

    async def login_taken(
        self, field: str, value: str, *, besides: uuid.UUID | None = None
    ) -> bool:
        column = LibraryStaff.email if field == "email" else LibraryStaff.phone
        query = self.scoped(select(LibraryStaff.id)).where(column == value)
        if besides is not None:
            query = query.where(LibraryStaff.id != besides)
        return (await self.session.scalar(query.limit(1))) is not None

    async def delete(self, staff: LibraryStaff) -> None:
        await self.session.delete(staff)
        await self.session.flush()
