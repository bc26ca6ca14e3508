"""Rules for shifts: names unique per library, windows that may cross midnight or fill the day."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.errors import Unprocessable
from studyspot.kit.pagination import PageParams, paginate, sort_clause
from studyspot.services.library.access import Viewer
from studyspot.services.library.capacity import publish_capacity
from studyspot.services.library.errors import ShiftInUse, ShiftNameTaken, ShiftNotFound
from studyspot.services.library.limits import MAX_SHIFTS_PER_LIBRARY, check_count
from studyspot.services.library.models import Library, Shift
from studyspot.services.library.repository import LibraryRepository, ShiftRepository, violates
from studyspot.services.library.schemas.shifts import ShiftCreate, ShiftUpdate, check_window

FULL_DAY = ("00:00", "24:00")
_SORTABLE = {"start_time": Shift.start_time, "name": Shift.name, "created_at": Shift.created_at}


async def _library(session: AsyncSession, viewer: Viewer, library_id: uuid.UUID) -> Library:
    return viewer.check_library(await LibraryRepository(session, viewer.tenant_id).get(library_id))


async def _flush_or_conflict(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        if violates(exc, "uq_shifts_library_id_name", "shifts.library_id, shifts.name"):
            raise ShiftNameTaken() from exc
        raise


async def create_shift(
    session: AsyncSession, viewer: Viewer, library_id: uuid.UUID, body: ShiftCreate
) -> Shift:
    library = await _library(session, viewer, library_id)
    repo = ShiftRepository(session, viewer.tenant_id)
    if await repo.name_taken(library.id, body.name):
        raise ShiftNameTaken()
    await check_count(
        session,
        viewer.tenant_id,
        f"shifts:{library.id}",
        select(func.count())
        .select_from(Shift)
        .where(Shift.tenant_id == viewer.tenant_id, Shift.library_id == library.id),
        MAX_SHIFTS_PER_LIBRARY,
        "shifts in a library",
    )
    start, end = FULL_DAY if body.is_full_day else (body.start_time, body.end_time)
    assert start is not None and end is not None  # ShiftCreate checked the window
    shift = Shift(
        library_id=library.id,
        name=body.name,
        start_time=start,
        end_time=end,
        is_full_day=body.is_full_day,
        tenant_id=viewer.tenant_id,
    )
    session.add(shift)
    await _flush_or_conflict(session)
    await viewer.record(
        session, "shift.created", "shift", shift.id, details={"library_id": str(library.id)}
    )
    await publish_capacity(session, viewer.tenant_id, library.id)
    return shift


async def list_shifts(
    session: AsyncSession,
    viewer: Viewer,
    library_id: uuid.UUID,
    paging: PageParams,
    sort: str | None,
) -> tuple[list[Shift], int]:
    library = await _library(session, viewer, library_id)
    query = ShiftRepository(session, viewer.tenant_id).of_library(library.id)
    order = sort_clause(sort, _SORTABLE, [Shift.start_time, Shift.name, Shift.id])
    return await paginate(session, query, paging, order)


async def get_shift(
    session: AsyncSession, viewer: Viewer, library_id: uuid.UUID, shift_id: uuid.UUID
) -> Shift:
    library = await _library(session, viewer, library_id)
    shift = await ShiftRepository(session, viewer.tenant_id).in_library(library.id, shift_id)
    if shift is None:
        raise ShiftNotFound()
    return shift


def _merged_window(shift: Shift, changes: dict[str, object]) -> tuple[str, str, bool]:
    full_day = bool(changes.get("is_full_day", shift.is_full_day))
    if full_day:
        given = [f for f in ("start_time", "end_time") if changes.get(f) is not None]
        if given:
            raise Unprocessable(
                "A full-day shift has no start and end",
                errors=[
                    {"field": f"body.{f}", "message": "leave out for a full-day shift"}
                    for f in given
                ],
            )
        return (*FULL_DAY, True)
    # Leaving full day: the old 00:00-24:00 are not times the owner chose.
    start = changes.get("start_time", None if shift.is_full_day else shift.start_time)
    end = changes.get("end_time", None if shift.is_full_day else shift.end_time)
    try:
        check_window(
            start if isinstance(start, str) else None, end if isinstance(end, str) else None, False
        )
    except ValueError as exc:
        raise Unprocessable(
            "The shift's times are not valid", errors=[{"field": "body", "message": str(exc)}]
        ) from exc
    assert isinstance(start, str) and isinstance(end, str)
    return start, end, False


async def update_shift(
    session: AsyncSession,
    viewer: Viewer,
    library_id: uuid.UUID,
    shift_id: uuid.UUID,
    body: ShiftUpdate,
) -> Shift:
    shift = await get_shift(session, viewer, library_id, shift_id)
    changes = body.changes()
    name = changes.get("name", shift.name)
    repo = ShiftRepository(session, viewer.tenant_id)
    if name != shift.name and await repo.name_taken(shift.library_id, name, besides=shift.id):
        raise ShiftNameTaken()
    shift.start_time, shift.end_time, shift.is_full_day = _merged_window(shift, changes)
    shift.name = name
    await _flush_or_conflict(session)
    if changes:
        await viewer.record(
            session, "shift.updated", "shift", shift.id, details={"fields": sorted(changes)}
        )
    return shift


async def delete_shift(
    session: AsyncSession, viewer: Viewer, library_id: uuid.UUID, shift_id: uuid.UUID
) -> None:
    shift = await get_shift(session, viewer, library_id, shift_id)
    repo = ShiftRepository(session, viewer.tenant_id)
    if await repo.covered_by_plans(shift.id):
        raise ShiftInUse()
    try:
        await repo.delete(shift)
    except IntegrityError as exc:
        # A plan started covering it between the check and the delete.
        raise ShiftInUse() from exc
    await viewer.record(
        session,
        "shift.deleted",
        "shift",
        shift_id,
        details={"library_id": str(shift.library_id), "name": shift.name},
    )
    await publish_capacity(session, viewer.tenant_id, shift.library_id)
