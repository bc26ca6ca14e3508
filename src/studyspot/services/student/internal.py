"""Service-to-service reads and writes of a student (`/internal/students`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.errors import Unprocessable
from studyspot.kit.models import utcnow
from studyspot.services.student.client import (
    InternalStudent,
    InternalStudentList,
    InternalStudentUpdate,
)
from studyspot.services.student.errors import PhoneTaken, StudentNotFound
from studyspot.services.student.models import Student
from studyspot.services.student.phones import normalise_phone
from studyspot.services.student.repository import StudentRepository
from studyspot.services.student.schemas import StudentStatus
from studyspot.services.student.service import flush_or_phone_taken

INDIA = ZoneInfo("Asia/Kolkata")


def internal_view(student: Student | Mapping[str, Any]) -> InternalStudent:
    """What another service is told of a student, from the entity or from the repository's
    `internal_row`."""
    get: Callable[[str], Any] = (
        partial(getattr, student) if isinstance(student, Student) else student.__getitem__
    )
    return InternalStudent(
        id=get("id"),
        tenant_id=get("tenant_id"),
        name=get("name"),
        email=get("email"),
        phone=get("phone"),
        status=StudentStatus(get("status")).value,
        enrollment_number=get("enrollment_number"),
        home_library_id=get("home_library_id"),
        erased=get("erased_at") is not None,
        minor=is_minor(get("date_of_birth"), india_today()),
        guardian_phone=get("guardian_phone"),
        guardian_email=get("guardian_email"),
    )


def india_today() -> date:
    return datetime.now(INDIA).date()


def is_minor(born: date | None, today: date) -> bool:
    """Under 18 on `today` (a birthday on 29 February counts from 1 March)."""
    if born is None:
        return False
    had_birthday = (today.month, today.day) >= (born.month, born.day)
    return today.year - born.year - (0 if had_birthday else 1) < 18


async def active_students(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    library_ids: list[uuid.UUID] | None,
    limit: int,
) -> InternalStudentList:
    where = [
        Student.tenant_id == tenant_id,
        Student.erased_at.is_(None),
        Student.status == StudentStatus.active.value,
    ]
    if library_ids is not None:
        where.append(Student.home_library_id.in_(library_ids))
    total = await session.scalar(select(func.count()).select_from(Student).where(*where))
    rows = await session.scalars(select(Student).where(*where).order_by(Student.id).limit(limit))
    return InternalStudentList(items=[internal_view(s) for s in rows], total=total or 0)


async def get_student(
    session: AsyncSession, tenant_id: uuid.UUID, student_id: uuid.UUID
) -> InternalStudent:
    # Erased students are answered too: receipts and invoices still name them by number.
    row = await StudentRepository(session, tenant_id).internal_row(student_id)
    if row is None:
        raise StudentNotFound()
    return internal_view(row)


async def update_student(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    student_id: uuid.UUID,
    body: InternalStudentUpdate,
) -> InternalStudent:
    repo = StudentRepository(session, tenant_id)
    student = await repo.get_live(student_id, for_update=True)
    if student is None:
        raise StudentNotFound()
    changes = body.model_dump(exclude_unset=True)
    changed: list[str] = []
    if "name" in changes:
        if changes["name"] is None:
            raise Unprocessable(errors=[{"field": "body.name", "message": "may not be null"}])
        student.name = changes["name"]
        changed.append("name")
    if "email" in changes:
        student.email = changes["email"].lower() if changes["email"] else None
        changed.append("email")
    if "phone" in changes:
        try:
            phone = normalise_phone(changes["phone"] or "")
        except ValueError as exc:
            raise Unprocessable(errors=[{"field": "body.phone", "message": str(exc)}]) from exc
        if await repo.phone_owner(phone, excluding=student.id) is not None:
            raise PhoneTaken()
        student.phone = phone
        changed.append("phone")
    if changed:
        student.updated_at = utcnow()
        await flush_or_phone_taken(session)
        if {"name", "phone"}.intersection(changed):
            await repo.replace_terms(student)
        await audit.record(
            session,
            "student.updated",
            "student",
            student.id,
            tenant_id=tenant_id,
            actor_id=student.id,
            actor_type="student",
            details={"fields": changed, "via": "profile"},
        )
    return internal_view(student)
