"""`/internal/*` of the payment service: a student's payments and balance, students with dues.

Service token only (`InternalCaller`), never routed by the gateway. A token
that names a tenant must name the tenant the call is about.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Paging
from studyspot.kit.service_auth import InternalSession, InternalTenant
from studyspot.services.payment import internal
from studyspot.services.payment.client import (
    InternalPaymentPage,
    StudentBalance,
    StudentsWithDues,
)

router = APIRouter(prefix="/internal", include_in_schema=False)


@router.get("/students/{student_id}/payments", responses=problem_responses(401, 403))
async def student_payments(
    student_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession, paging: Paging
) -> InternalPaymentPage:
    return await internal.student_payments(session, tenant_id, student_id, paging)


@router.get("/students/{student_id}/dues", responses=problem_responses(401, 403))
async def student_balance(
    student_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession
) -> StudentBalance:
    return await internal.student_balance(session, tenant_id, student_id)


@router.get("/dues/students", responses=problem_responses(401, 403))
async def students_with_dues(
    tenant_id: InternalTenant,
    session: InternalSession,
    library_id: uuid.UUID | None = None,
) -> StudentsWithDues:
    return await internal.students_with_dues(session, tenant_id, library_id)
