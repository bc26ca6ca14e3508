"""`/api/v1/students`: the register (CRUD, search, invite, analytics, other services' views)."""

from __future__ import annotations

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, Paging
from studyspot.services.student import service
from studyspot.services.student.dependencies import (
    StudentOrSelfPaymentsRead,
    StudentOrSelfRead,
    StudentsCreate,
    StudentsDelete,
    StudentsInvite,
    StudentsRead,
    StudentsUpdate,
    UpstreamDep,
)
from studyspot.services.student.presenters import student_json, student_read
from studyspot.services.student.repository import StudentFilter
from studyspot.services.student.schemas import (
    InviteResult,
    SortField,
    StudentAnalytics,
    StudentCreate,
    StudentPaymentRead,
    StudentRead,
    StudentStatus,
    StudentUpdate,
)
from studyspot.services.student.upstream import AttendanceHistory

router = APIRouter(prefix="/api/v1/students", tags=["students"])

# `:uuid` in the paths: "/analytics" or "/export" with another method is then a 405
# for that fixed path, not a 422 about a malformed student id.
SearchQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="Name (part of it), phone (or its digits) or enrollment number (STU-000123)",
    ),
]
LibraryFilter = Annotated[uuid.UUID | None, Query(description="Only students of this branch")]


@router.post(
    "",
    status_code=201,
    response_model=StudentRead,
    responses=problem_responses(400, 403, 409, 422, 503),
    summary="Admit a student",
)
async def create_student(
    body: StudentCreate, viewer: StudentsCreate, session: TenantSession, upstream: UpstreamDep
) -> StudentRead:
    student = await service.create_student(session, viewer, body, upstream)
    return student_read(student, viewer)


@router.get(
    "",
    response_model=Page[StudentRead],
    responses=problem_responses(403, 503),
    summary="Search and list students",
)
async def list_students(
    viewer: StudentsRead,
    session: TenantSession,
    upstream: UpstreamDep,
    paging: Paging,
    q: SearchQuery = None,
    library_id: LibraryFilter = None,
    status: StudentStatus | None = None,
    expiring_within_days: Annotated[
        int | None,
        Query(
            ge=1,
            le=365,
            description=(
                "Only students whose paid booking ends between today and today + N (the "
                "library's local date) and who have no later booking (a renewal) yet, as the "
                "booking service answers; 503 `source_unavailable` when it cannot be reached"
            ),
        ),
    ] = None,
    with_dues: Annotated[
        bool | None,
        Query(
            description=(
                "true: only students with a positive balance on an open due (a booking not "
                "fully paid), as the payment service answers; false: only students without "
                "one; 503 `source_unavailable` when the payment service cannot be reached"
            ),
        ),
    ] = None,
    sort: SortField | None = None,
) -> Response:
    flt = StudentFilter(q=q, library_id=library_id, status=status.value if status else None)
    rows, total = await service.list_students(
        session,
        viewer,
        flt,
        paging,
        sort,
        upstream,
        expiring_within_days=expiring_within_days,
        with_dues=with_dues,
    )
    # Serialised here with orjson: the documented shape is Page[StudentRead].
    page = {
        "items": [student_json(row, viewer.is_owner) for row in rows],
        "total": total,
        "page": paging.page,
        "page_size": paging.page_size,
    }
    # default=str: asyncpg hands back its own UUID subclass, which orjson does not take.
    body = orjson.dumps(page, default=str, option=orjson.OPT_UTC_Z)
    return Response(body, media_type="application/json")


@router.get(
    "/analytics",
    response_model=StudentAnalytics,
    responses=problem_responses(403),
    summary="Counts by status, admissions per month, plans expiring this week, with dues",
)
async def student_analytics(
    viewer: StudentsRead,
    session: TenantSession,
    upstream: UpstreamDep,
    library_id: LibraryFilter = None,
    months: Annotated[int, Query(ge=1, le=36, description="Months of admissions")] = 12,
) -> StudentAnalytics:
    return await service.analytics(session, viewer, library_id, months, upstream)


@router.get(
    "/{student_id:uuid}",
    response_model=StudentRead,
    responses=problem_responses(403, 404),
    summary="One student (a student may read its own record)",
)
async def get_student(
    student_id: uuid.UUID, viewer: StudentOrSelfRead, session: TenantSession
) -> StudentRead:
    return student_read(await service.get_visible(session, viewer, student_id), viewer)


@router.patch(
    "/{student_id:uuid}",
    response_model=StudentRead,
    responses=problem_responses(400, 403, 404, 409, 422, 503),
    summary="Change a student",
)
async def update_student(
    student_id: uuid.UUID,
    body: StudentUpdate,
    viewer: StudentsUpdate,
    session: TenantSession,
    upstream: UpstreamDep,
) -> StudentRead:
    student = await service.update_student(session, viewer, student_id, body, upstream)
    return student_read(student, viewer)


@router.delete(
    "/{student_id:uuid}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404, 503),
    summary="Erase a student's personal data (financial records are kept)",
)
async def erase_student(
    student_id: uuid.UUID, viewer: StudentsDelete, session: TenantSession, upstream: UpstreamDep
) -> Response:
    await service.erase_student(session, viewer, student_id, upstream)
    return Response(status_code=204)


@router.post(
    "/{student_id:uuid}/invite",
    status_code=202,
    response_model=InviteResult,
    responses=problem_responses(403, 404, 409, 503),
    summary="Invite the student to self-service login (one-time set-password link)",
)
async def invite_student(
    student_id: uuid.UUID, viewer: StudentsInvite, session: TenantSession, upstream: UpstreamDep
) -> InviteResult:
    return await service.invite_student(session, viewer, student_id, upstream)


@router.get(
    "/{student_id:uuid}/attendance",
    response_model=AttendanceHistory,
    responses=problem_responses(403, 404, 503),
    summary="Attendance history and no-shows, newest first (a student may read its own)",
)
async def student_attendance(
    student_id: uuid.UUID,
    viewer: StudentOrSelfRead,
    session: TenantSession,
    upstream: UpstreamDep,
    paging: Paging,
) -> AttendanceHistory:
    """From the attendance service; 503 `source_unavailable` when it cannot answer (an
    empty list would read as "never attended")."""
    return await service.student_attendance(session, viewer, student_id, paging, upstream)


@router.get(
    "/{student_id:uuid}/payments",
    response_model=Page[StudentPaymentRead],
    responses=problem_responses(403, 404, 503),
    summary="Payment history, newest first (a student may read its own)",
)
async def student_payments(
    student_id: uuid.UUID,
    viewer: StudentOrSelfPaymentsRead,
    session: TenantSession,
    upstream: UpstreamDep,
    paging: Paging,
) -> Page[StudentPaymentRead]:
    return await service.student_payments(session, viewer, student_id, paging, upstream)
