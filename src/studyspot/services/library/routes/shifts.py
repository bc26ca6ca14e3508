"""`/api/v1/libraries/{library_id}/shifts`: daily windows students buy plans for."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, Paging
from studyspot.services.library import shifts as service
from studyspot.services.library.dependencies import (
    ShiftsCreator,
    ShiftsDeleter,
    ShiftsReader,
    ShiftsUpdater,
)
from studyspot.services.library.schemas.shifts import ShiftCreate, ShiftRead, ShiftUpdate

router = APIRouter(prefix="/api/v1/libraries/{library_id:uuid}/shifts", tags=["shifts"])

ShiftSort = Literal["start_time", "-start_time", "name", "-name", "created_at", "-created_at"]


@router.post("", status_code=201, responses=problem_responses(400, 403, 404, 409))
async def create_shift(
    library_id: uuid.UUID, body: ShiftCreate, viewer: ShiftsCreator, session: TenantSession
) -> ShiftRead:
    """A shift may cross midnight (22:00-06:00) or be the full day; shifts may overlap.
    At most 24 shifts per library: 409 `count_limit_reached` beyond."""
    return ShiftRead.of(await service.create_shift(session, viewer, library_id, body))


@router.get("", responses=problem_responses(403, 404))
async def list_shifts(
    library_id: uuid.UUID,
    viewer: ShiftsReader,
    session: TenantSession,
    paging: Paging,
    sort: ShiftSort | None = None,
) -> Page[ShiftRead]:
    items, total = await service.list_shifts(session, viewer, library_id, paging, sort)
    return Page(
        items=[ShiftRead.of(s) for s in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/{shift_id:uuid}", responses=problem_responses(403, 404))
async def get_shift(
    library_id: uuid.UUID, shift_id: uuid.UUID, viewer: ShiftsReader, session: TenantSession
) -> ShiftRead:
    return ShiftRead.of(await service.get_shift(session, viewer, library_id, shift_id))


@router.patch("/{shift_id:uuid}", responses=problem_responses(400, 403, 404, 409))
async def update_shift(
    library_id: uuid.UUID,
    shift_id: uuid.UUID,
    body: ShiftUpdate,
    viewer: ShiftsUpdater,
    session: TenantSession,
) -> ShiftRead:
    return ShiftRead.of(await service.update_shift(session, viewer, library_id, shift_id, body))


@router.delete("/{shift_id:uuid}", status_code=204, responses=problem_responses(403, 404, 409))
async def delete_shift(
    library_id: uuid.UUID, shift_id: uuid.UUID, viewer: ShiftsDeleter, session: TenantSession
) -> Response:
    """409 `shift_in_use` while a fee plan covers the shift."""
    await service.delete_shift(session, viewer, library_id, shift_id)
    return Response(status_code=204)
