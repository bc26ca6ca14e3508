"""`/api/v1/bookings/waitlist`: wait for a place, see the line, leave it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, BackgroundTasks

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, Paging
from studyspot.services.booking import tasks
from studyspot.services.booking.dependencies import (
    BookingsCancel,
    BookingsCreate,
    BookingsRead,
    RuntimeDep,
)
from studyspot.services.booking.models import WaitlistEntry
from studyspot.services.booking.repository import WaitlistRepository
from studyspot.services.booking.schemas.waitlist import (
    WaitlistJoin,
    WaitlistRead,
    WaitlistStatusName,
)
from studyspot.services.booking.service import queries
from studyspot.services.booking.service import waitlist as service

router = APIRouter(prefix="/api/v1/bookings/waitlist", tags=["waitlist"])


async def _read(repo: WaitlistRepository, entry: WaitlistEntry) -> WaitlistRead:
    return WaitlistRead(
        id=entry.id,
        student_id=entry.student_id,
        library_id=entry.library_id,
        shift_id=entry.shift_id,
        fee_plan_id=entry.fee_plan_id,
        start_date=entry.start_date,
        status=entry.status,
        position=await repo.position(entry),
        offer_booking_id=entry.offer_booking_id,
        offered_at=entry.offered_at,
        offer_expires_at=entry.offer_expires_at,
        created_at=entry.created_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=WaitlistRead,
    responses=problem_responses(403, 404, 409, 422, 503),
    summary="Join the waitlist when no place is free",
)
async def join_waitlist(
    body: WaitlistJoin, viewer: BookingsCreate, session: TenantSession, runtime: RuntimeDep
) -> WaitlistRead:
    entry = await service.join(session, viewer, body, runtime)
    return await _read(WaitlistRepository(session, viewer.tenant_id), entry)


@router.get(
    "",
    response_model=Page[WaitlistRead],
    responses=problem_responses(403),
    summary="The waitlist (a student sees its own entries)",
)
async def list_waitlist(
    viewer: BookingsRead,
    session: TenantSession,
    paging: Paging,
    library_id: uuid.UUID | None = None,
    student_id: uuid.UUID | None = None,
    status: WaitlistStatusName | None = None,
) -> Page[WaitlistRead]:
    items, total = await queries.list_waitlist(
        session, viewer, paging, library_id=library_id, student_id=student_id, status=status
    )
    repo = WaitlistRepository(session, viewer.tenant_id)
    return Page(
        items=[await _read(repo, e) for e in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/{entry_id}",
    response_model=WaitlistRead,
    responses=problem_responses(403, 404),
    summary="One waitlist entry",
)
async def get_waitlist_entry(
    entry_id: uuid.UUID, viewer: BookingsRead, session: TenantSession
) -> WaitlistRead:
    repo = WaitlistRepository(session, viewer.tenant_id)
    return await _read(repo, service.visible_entry(viewer, await repo.get(entry_id)))


@router.post(
    "/{entry_id}/cancel",
    response_model=WaitlistRead,
    responses=problem_responses(403, 404, 409),
    summary="Leave the waitlist (declines an offer not yet paid)",
)
async def leave_waitlist(
    entry_id: uuid.UUID,
    viewer: BookingsCancel,
    session: TenantSession,
    runtime: RuntimeDep,
    background: BackgroundTasks,
) -> WaitlistRead:
    entry = await service.leave(session, viewer, entry_id, runtime.now())
    if entry.offer_booking_id is not None:
        # A declined offer freed its place: the next in line, after the commit.
        background.add_task(
            tasks.offer_library_quietly,
            runtime,
            viewer.principal.db_key,
            viewer.tenant_id,
            entry.library_id,
        )
    return await _read(WaitlistRepository(session, viewer.tenant_id), entry)
