"""`/internal/students/{id}`: what the auth service needs to serve a student's `/api/users/me`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from studyspot.kit.errors import Unprocessable, problem_responses
from studyspot.kit.service_auth import InternalSession, InternalTenant, accept_callers
from studyspot.services.student import internal
from studyspot.services.student.client import (
    MAX_STUDENT_LIST,
    InternalStudent,
    InternalStudentList,
    InternalStudentUpdate,
)

router = APIRouter(prefix="/internal/students", include_in_schema=False)


@router.get(
    "",
    responses=problem_responses(403, 422),
    dependencies=[accept_callers("message")],
)
async def active_students(
    tenant_id: InternalTenant,
    session: InternalSession,
    limit: Annotated[int, Query(ge=1, le=MAX_STUDENT_LIST)],
    library_ids: Annotated[str | None, Query(max_length=3700)] = None,
) -> InternalStudentList:
    """Active, live students of the branches named (`library_ids`, comma-separated, at most
    100; none: every branch), in id order: the message service's broadcast audience."""
    branches = None
    if library_ids is not None:
        try:
            branches = [uuid.UUID(part) for part in library_ids.split(",")]
        except ValueError:
            branches = []
        if not 1 <= len(branches) <= 100:
            raise Unprocessable(
                "library_ids: 1 to 100 library ids, comma-separated",
                errors=[{"field": "query.library_ids", "message": "invalid"}],
            )
    return await internal.active_students(session, tenant_id, branches, limit)


@router.get(
    "/{student_id:uuid}",
    responses=problem_responses(403, 404),
    dependencies=[accept_callers("auth", "booking", "message", "payment")],
)
async def get_student(
    student_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession
) -> InternalStudent:
    return await internal.get_student(session, tenant_id, student_id)


@router.patch(
    "/{student_id:uuid}",
    responses=problem_responses(403, 404, 409, 422),
    dependencies=[accept_callers("auth")],
)
async def update_student(
    student_id: uuid.UUID,
    tenant_id: InternalTenant,
    body: InternalStudentUpdate,
    session: InternalSession,
) -> InternalStudent:
    return await internal.update_student(session, tenant_id, student_id, body)
