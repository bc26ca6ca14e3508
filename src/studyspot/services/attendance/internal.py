"""`/internal/attendance/*`: for other services with a service token only, never routed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from studyspot.kit.errors import Unprocessable, problem_responses
from studyspot.kit.pagination import Paging
from studyspot.kit.service_auth import InternalSession, InternalTenant, accept_callers
from studyspot.services.attendance import history
from studyspot.services.attendance.client import (
    MAX_OCCUPANCY_LIBRARIES,
    AttendanceHistory,
    CheckedInNow,
)

router = APIRouter(prefix="/internal/attendance", include_in_schema=False)


@router.get(
    "/students/{student_id}",
    responses=problem_responses(403, 422),
    dependencies=[accept_callers("student")],
)
async def student_history(
    student_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession, paging: Paging
) -> AttendanceHistory:
    """The student service has already applied its visibility rules to the student."""
    return await history.student_history(session, tenant_id, student_id, paging)


@router.get(
    "/checked-in",
    responses=problem_responses(403, 422),
    dependencies=[accept_callers("library")],
)
async def checked_in(
    tenant_id: InternalTenant,
    session: InternalSession,
    library_ids: Annotated[str, Query(max_length=MAX_OCCUPANCY_LIBRARIES * 37)],
) -> CheckedInNow:
    """Students checked in now per library and shift (comma-separated library ids)."""
    try:
        ids = [uuid.UUID(part) for part in library_ids.split(",") if part]
    except ValueError as exc:
        raise Unprocessable(
            "library_ids is a comma-separated list of UUIDs",
            errors=[{"field": "query.library_ids", "message": "not UUIDs"}],
        ) from exc
    return await history.checked_in_now(session, tenant_id, ids)
