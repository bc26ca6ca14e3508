"""`/internal/students/{id}`: what the auth service needs to serve a student's `/api/users/me`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from studyspot.kit.errors import problem_responses
from studyspot.kit.service_auth import InternalSession, InternalTenant, accept_callers
from studyspot.services.student import internal
from studyspot.services.student.client import InternalStudent, InternalStudentUpdate

router = APIRouter(prefix="/internal/students", include_in_schema=False)


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
