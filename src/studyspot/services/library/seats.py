"""Rules for seats: labels unique per library, bulk creation all or nothing, plan limits."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.pagination import PageParams, paginate, sort_clause
from studyspot.services.library.access import Viewer
from studyspot.services.library.capacity import publish_capacity
from studyspot.services.library.errors import SeatLabelTaken, SeatNotFound, SeatPositionTaken
from studyspot.services.library.limits import check_quota, lock_quota
from studyspot.services.library.models import Library, Seat
from studyspot.services.library.repository import (
    LibraryRepository,
    SeatRepository,
    seat_sort_key,
    violates,
)
from studyspot.services.library.schemas.seats import SeatBulkCreate, SeatCreate, SeatUpdate
from studyspot.services.library.upstream import Upstream

_SORTABLE = {"label": Seat.sort_key, "created_at": Seat.created_at}


async def _library(session: AsyncSession, viewer: Viewer, library_id: uuid.UUID) -> Library:
    return viewer.check_library(await LibraryRepository(session, viewer.tenant_id).get(library_id))


async def _flush_or_conflict(session: AsyncSession, labels: list[str]) -> None:
    """Turn a lost race on the unique indexes into the same 409 the checks give."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if violates(exc, "uq_seats_library_id_label", "seats.library_id, seats.label"):
            raise SeatLabelTaken(labels) from exc
        if violates(exc, "uq_seats_library_id_position", "seats.position_row"):
            raise SeatPositionTaken() from exc
        raise


async def _reserve_seats(
    session: AsyncSession, viewer: Viewer, upstream: Upstream, adding: int
) -> None:
    limits = await upstream.entitlements(viewer.tenant_id)
    await lock_quota(session, viewer.tenant_id, "seats")
    used = await SeatRepository(session, viewer.tenant_id).count()
    check_quota("seats", used, adding, limits)


async def create_seat(
    session: AsyncSession,
    viewer: Viewer,
    library_id: uuid.UUID,
    body: SeatCreate,
    upstream: Upstream,
) -> Seat:
    library = await _library(session, viewer, library_id)
    repo = SeatRepository(session, viewer.tenant_id)
    await _reserve_seats(session, viewer, upstream, 1)
    if await repo.taken_labels(library.id, [body.label]):
        raise SeatLabelTaken([body.label])
    if (
        body.row is not None
        and body.column is not None
        and await repo.taken_positions(library.id, body.row, [body.column])
    ):
        raise SeatPositionTaken()
    seat = Seat(
        **body.model_dump(mode="json"),
        library_id=library.id,
        sort_key=seat_sort_key(body.label),
        tenant_id=viewer.tenant_id,
    )
    session.add(seat)
    await _flush_or_conflict(session, [body.label])
    await viewer.record(
        session,
        "seat.created",
        "seat",
        seat.id,
        details={"library_id": str(library.id), "label": seat.label},
    )
    await publish_capacity(session, viewer.tenant_id, library.id)
    return seat


async def create_seats_in_bulk(
    session: AsyncSession,
    viewer: Viewer,
    library_id: uuid.UUID,
    body: SeatBulkCreate,
    upstream: Upstream,
) -> list[Seat]:
    """Every seat of the pattern, or none: a taken label or the plan limit refuses all."""
    library = await _library(session, viewer, library_id)
    repo = SeatRepository(session, viewer.tenant_id)
    labels = body.labels()
    await _reserve_seats(session, viewer, upstream, len(labels))
    taken = await repo.taken_labels(library.id, labels)
    if taken:
        raise SeatLabelTaken(taken)
    columns = [body.first_column + i for i in range(len(labels))]
    if body.row is not None and await repo.taken_positions(library.id, body.row, columns):
        raise SeatPositionTaken()
    seats = [
        Seat(
            library_id=library.id,
            label=label,
            sort_key=seat_sort_key(label),
            zone=body.zone,
            floor=body.floor,
            seat_type=str(body.seat_type),
            status=body.status,
            row=body.row,
            column=column if body.row is not None else None,
        )
        for label, column in zip(labels, columns, strict=True)
    ]
    repo.add_many(seats)
    await _flush_or_conflict(session, labels)
    await viewer.record(
        session,
        "seat.bulk_created",
        "library",
        library.id,
        details={"count": len(seats), "first": labels[0], "last": labels[-1]},
    )
    await publish_capacity(session, viewer.tenant_id, library.id)
    return seats


async def list_seats(
    session: AsyncSession,
    viewer: Viewer,
    library_id: uuid.UUID,
    paging: PageParams,
    *,
    status: str | None,
    seat_type: str | None,
    zone: str | None,
    floor: int | None,
    sort: str | None,
) -> tuple[list[Seat], int]:
    library = await _library(session, viewer, library_id)
    query = SeatRepository(session, viewer.tenant_id).of_library(library.id)
    if status is not None:
        query = query.where(Seat.status == status)
    if seat_type is not None:
        query = query.where(Seat.seat_type == seat_type)
    if zone is not None:
        query = query.where(Seat.zone == zone)
    if floor is not None:
        query = query.where(Seat.floor == floor)
    order = sort_clause(sort, _SORTABLE, [Seat.sort_key, Seat.id])
    return await paginate(session, query, paging, order)


async def get_seat(
    session: AsyncSession, viewer: Viewer, library_id: uuid.UUID, seat_id: uuid.UUID
) -> Seat:
    library = await _library(session, viewer, library_id)
    seat = await SeatRepository(session, viewer.tenant_id).in_library(library.id, seat_id)
    if seat is None:
        raise SeatNotFound()
    return seat


async def update_seat(
    session: AsyncSession,
    viewer: Viewer,
    library_id: uuid.UUID,
    seat_id: uuid.UUID,
    body: SeatUpdate,
) -> Seat:
    seat = await get_seat(session, viewer, library_id, seat_id)
    repo = SeatRepository(session, viewer.tenant_id)
    changes = body.changes()
    label = changes.get("label", seat.label)
    if label != seat.label and await repo.taken_labels(seat.library_id, [label], besides=seat.id):
        raise SeatLabelTaken([label])
    row, column = changes.get("row", seat.row), changes.get("column", seat.column)
    if (
        row is not None
        and column is not None
        and (row, column) != (seat.row, seat.column)
        and await repo.taken_positions(seat.library_id, row, [column], besides=seat.id)
    ):
        raise SeatPositionTaken()
    for key, value in changes.items():
        setattr(seat, key, value)
    seat.sort_key = seat_sort_key(seat.label)
    await _flush_or_conflict(session, [label])
    if changes:
        await viewer.record(
            session, "seat.updated", "seat", seat.id, details={"fields": sorted(changes)}
        )
    if "status" in changes:
        await publish_capacity(session, viewer.tenant_id, seat.library_id)
    return seat


async def delete_seat(
    session: AsyncSession, viewer: Viewer, library_id: uuid.UUID, seat_id: uuid.UUID
) -> None:
    seat = await get_seat(session, viewer, library_id, seat_id)
    await SeatRepository(session, viewer.tenant_id).delete(seat)
    await viewer.record(
        session,
        "seat.deleted",
        "seat",
        seat_id,
        details={"library_id": str(seat.library_id), "label": seat.label},
    )
    await publish_capacity(session, viewer.tenant_id, seat.library_id)
