"""`/internal/students/{id}`: what the auth service needs to serve a student's `/api/users/me`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import AppError, Forbidden, problem_responses
from studyspot.kit.events.directory import CoreTenantDirectory
from studyspot.kit.service_auth import InternalCaller
from studyspot.kit.state import kit_state
from studyspot.services.student import internal
from studyspot.services.student.client import InternalStudent, InternalStudentUpdate

router = APIRouter(prefix="/internal/students", include_in_schema=False)

TenantQuery = Annotated[uuid.UUID, Query()]


async def _tenant_session(
    request: Request, caller: InternalCaller, tenant_id: TenantQuery
) -> AsyncIterator[AsyncSession]:
    if caller.tenant_id is not None and caller.tenant_id != tenant_id:
        raise Forbidden("The service token is for another tenant", code="tenant_mismatch")
    state = kit_state(request.app)
    placement = await CoreTenantDirectory(state.core).placement(tenant_id)
    if placement.migrating:
        raise AppError(
            "This tenant is being moved",
            status=503,
            code="tenant_migrating",
            headers={"Retry-After": "5"},
        )
    db = await state.tenants.get(placement.database_key)
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        yield session


InternalSession = Annotated[AsyncSession, Depends(_tenant_session, scope="function")]


@router.get("/{student_id:uuid}", responses=problem_responses(404))
async def get_student(
    student_id: uuid.UUID, tenant_id: TenantQuery, session: InternalSession
) -> InternalStudent:
    return await internal.get_student(session, tenant_id, student_id)


@router.patch("/{student_id:uuid}", responses=problem_responses(404, 409, 422))
async def update_student(
    student_id: uuid.UUID,
    tenant_id: TenantQuery,
    body: InternalStudentUpdate,
    session: InternalSession,
) -> InternalStudent:
    return await internal.update_student(session, tenant_id, student_id, body)
