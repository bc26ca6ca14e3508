"""`/api/v1/libraries/{library_id}/seats`: seats one by one or in bulk by pattern."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, Paging
from studyspot.services.library import seats as service
from studyspot.services.library.dependencies import (
    Clients,
    SeatsCreator,
    SeatsDeleter,
    SeatsReader,
    SeatsUpdater,
)
from studyspot.services.library.schemas.common import ONE_LINE, SeatType
from studyspot.services.library.schemas.seats import (
    SeatBulkCreate,
    SeatBulkResult,
    SeatCreate,
    SeatRead,
    SeatStatus,
    SeatUpdate,
)

router = APIRouter(prefix="/api/v1/libraries/{library_id:uuid}/seats", tags=["seats"])

SeatSort = Literal["label", "-label", "created_at", "-created_at"]


@router.post("", status_code=201, responses=problem_responses(400, 403, 404, 409, 503))
async def create_seat(
    library_id: uuid.UUID,
    body: SeatCreate,
    viewer: SeatsCreator,
    session: TenantSession,
    clients: Clients,
) -> SeatRead:
    """Add one seat. 409 `seat_label_taken`; 403 `plan_limit_reached` past the plan's seats."""
    seat = await service.create_seat(session, viewer, library_id, body, clients)
    return SeatRead.model_validate(seat)


@router.post("/bulk", status_code=201, responses=problem_responses(400, 403, 404, 409, 503))
async def create_seats_in_bulk(
    library_id: uuid.UUID,
    body: SeatBulkCreate,
    viewer: SeatsCreator,
    session: TenantSession,
    clients: Clients,
) -> SeatBulkResult:
    """Seats by pattern (`A1`-`A60`), at most 1000 per call, all or nothing.

    409 `seat_label_taken` names every label that already exists.
    """
    seats = await service.create_seats_in_bulk(session, viewer, library_id, body, clients)
    return SeatBulkResult(created=len(seats), items=[SeatRead.model_validate(s) for s in seats])


@router.get("", responses=problem_responses(403, 404))
async def list_seats(
    library_id: uuid.UUID,
    viewer: SeatsReader,
    session: TenantSession,
    paging: Paging,
    status: SeatStatus | None = None,
    seat_type: SeatType | None = None,
    zone: Annotated[str | None, Query(min_length=1, max_length=60, pattern=ONE_LINE)] = None,
    floor: Annotated[int | None, Query(ge=-5, le=200)] = None,
    sort: SeatSort | None = None,
) -> Page[SeatRead]:
    """Seats in label order (A2 before A10) unless sorted otherwise."""
    items, total = await service.list_seats(
        session,
        viewer,
        library_id,
        paging,
        status=status,
        seat_type=seat_type,
        zone=zone,
        floor=floor,
        sort=sort,
    )
    return Page(
        items=[SeatRead.model_validate(s) for s in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/{seat_id:uuid}", responses=problem_responses(403, 404))
async def get_seat(
    library_id: uuid.UUID, seat_id: uuid.UUID, viewer: SeatsReader, session: TenantSession
) -> SeatRead:
    return SeatRead.model_validate(await service.get_seat(session, viewer, library_id, seat_id))


@router.patch("/{seat_id:uuid}", responses=problem_responses(400, 403, 404, 409))
async def update_seat(
    library_id: uuid.UUID,
    seat_id: uuid.UUID,
    body: SeatUpdate,
    viewer: SeatsUpdater,
    session: TenantSession,
) -> SeatRead:
    """Relabel, move, retype or put a seat under maintenance."""
    seat = await service.update_seat(session, viewer, library_id, seat_id, body)
    return SeatRead.model_validate(seat)


@router.delete("/{seat_id:uuid}", status_code=204, responses=problem_responses(403, 404))
async def delete_seat(
    library_id: uuid.UUID, seat_id: uuid.UUID, viewer: SeatsDeleter, session: TenantSession
) -> Response:
    await service.delete_seat(session, viewer, library_id, seat_id)
    return Response(status_code=204)
