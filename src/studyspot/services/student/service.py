"""The rules of the student register. Functions take the session and never commit."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import AnyUrl
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.entitlements import Entitlements, check_limit
from studyspot.kit.errors import Unprocessable
from studyspot.kit.models import utcnow
from studyspot.kit.outbox import publish
from studyspot.kit.pagination import Page, PageParams, sort_clause
from studyspot.services.student.access import Viewer
from studyspot.services.student.client import ADMITTED_TOPIC, StudentAdmitted
from studyspot.services.student.consent import ask_guardian, forward_consent, guardian_reason
from studyspot.services.student.errors import (
    PhoneTaken,
    SourceUnavailable,
    StudentNotActive,
    StudentNotFound,
)
from studyspot.services.student.models import Student
from studyspot.services.student.repository import (
    SORTABLE,
    StudentFilter,
    StudentRepository,
    enrollment_number,
)
from studyspot.services.student.rules import INDIA, check_student
from studyspot.services.student.schemas import (
    REQUIRED_ON_UPDATE,
    ConsentIn,
    InviteResult,
    MonthCount,
    SourceState,
    StatusCounts,
    StudentAnalytics,
    StudentCreate,
    StudentPaymentRead,
    StudentUpdate,
)
from studyspot.services.student.upstream import AttendanceHistory, Upstream, require_open_library

# Columns a create or update may write, i.e. every stored field of the body except consent.
_PLAIN_FIELDS = (
    "name",
    "phone",
    "email",
    "date_of_birth",
    "gender",
    "address",
    "id_proof_type",
    "id_proof_number",
    "photo_url",
    "guardian_name",
    "guardian_phone",
    "guardian_email",
    "home_library_id",
    "status",
    "admission_date",
    "notes",
)
# `expiring_this_week` is the list's `?expiring_within_days=7`: today .. today + 7.
EXPIRING_THIS_WEEK_DAYS = 7
# Fields the student's login mirrors.
_LOGIN_FIELDS = frozenset({"name", "email", "phone", "status"})


def today_in_india() -> date:
    return datetime.now(INDIA).date()


def column_value(value: Any) -> Any:
    """Enums and URLs as the strings the columns hold."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, AnyUrl):
        return str(value)
    return value


def consent_columns(consent: ConsentIn, viewer: Viewer, now: datetime) -> dict[str, Any]:
    return {
        "consent_data_processing": consent.data_processing,
        "consent_recorded_at": now,
        "consent_recorded_by": viewer.user_id,
        "consent_recorded_by_type": viewer.principal.user_type,
    }


def _channels(consent: ConsentIn) -> dict[str, bool]:
    return {"whatsapp": consent.whatsapp, "sms": consent.sms, "email": consent.email}


async def flush_or_phone_taken(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        # The phone index is the only unique one a caller can hit (numbers come
        # from the counter): a concurrent admission with the same phone won.
        raise PhoneTaken() from exc


async def enforce_plan_limit(repo: StudentRepository, limit: Entitlements, adding: int) -> None:
    """403 `plan_limit_reached` when `adding` more students would pass the plan's allowance
    (kit/entitlements.py). Call after reserving numbers, whose counter lock makes this
    count race-free."""
    check_limit(limit, "students", await repo.count_live(), adding)


async def create_student(
    session: AsyncSession, viewer: Viewer, body: StudentCreate, upstream: Upstream
) -> Student:
    viewer.require_staff_side()
    viewer.require_library(body.home_library_id)
    values = {f: column_value(getattr(body, f)) for f in _PLAIN_FIELDS}
    today = today_in_india()
    values["admission_date"] = values["admission_date"] or today
    problems = check_student(values, today)
    if problems:
        raise Unprocessable("The student is not valid", errors=problems)
    await upstream.check_home_library(viewer.tenant_id, body.home_library_id)
    limit = await upstream.entitlements(viewer.tenant_id)

    repo = StudentRepository(session, viewer.tenant_id)
    if await repo.phone_owner(values["phone"]) is not None:
        raise PhoneTaken()
    seq = await repo.reserve_numbers(1)
    await enforce_plan_limit(repo, limit, 1)
    now = utcnow()
    student = Student(
        **values,
        enrollment_seq=seq,
        enrollment_number=enrollment_number(seq),
        created_by=viewer.user_id,
        created_at=now,
        updated_at=now,
        consent_data_processing=False,
    )
    if body.consent is not None:
        for column, value in consent_columns(body.consent, viewer, now).items():
            setattr(student, column, value)
    student.tenant_id = viewer.tenant_id
    session.add(student)
    await flush_or_phone_taken(session)
    await repo.replace_terms(student)
    await repo.add_counts({(student.home_library_id, student.status): 1})
    if body.consent is not None:
        await forward_consent(session, viewer, [(student.id, _channels(body.consent))], now)
    await _audit(
        session,
        viewer,
        "student.created",
        student,
        {"enrollment_number": student.enrollment_number},
    )
    admitted = StudentAdmitted(
        student_id=student.id,
        home_library_id=student.home_library_id,
        name=student.name,
        enrollment_number=student.enrollment_number,
        admitted_at=now,
        admitted_by=viewer.user_id,
    )
    await publish(
        session, ADMITTED_TOPIC, admitted.model_dump(mode="json"), tenant_id=viewer.tenant_id
    )
    await ask_guardian(session, viewer, student, "admitted", now)
    return student


async def get_visible(
    session: AsyncSession, viewer: Viewer, student_id: uuid.UUID, *, for_update: bool = False
) -> Student:
    """The student if this viewer may see it; 404 otherwise (another tenant, branch or student)."""
    repo = StudentRepository(session, viewer.tenant_id)
    if viewer.student_id is not None:
        if viewer.student_id != student_id:
            raise StudentNotFound()
        student = await repo.get_live(student_id, for_update=for_update)
    else:
        student = await repo.get_live(student_id, for_update=for_update)
        if student is not None and not viewer.can_see_library(student.home_library_id):
            student = None
    if student is None:
        raise StudentNotFound()
    return student


def limited_to(
    flt: StudentFilter, named: frozenset[uuid.UUID], *, inside: bool = True
) -> StudentFilter:
    """`flt` narrowed by the students another service named: only those (`inside`), or
    only everyone else. Several answers combine: a student must pass each of them."""
    if inside:
        return replace(flt, ids=named if flt.ids is None else flt.ids & named)
    return replace(flt, excluded=flt.excluded | named)


async def list_students(
    session: AsyncSession,
    viewer: Viewer,
    flt: StudentFilter,
    paging: PageParams,
    sort: str | None,
    upstream: Upstream,
    *,
    expiring_within_days: int | None = None,
    with_dues: bool | None = None,
) -> tuple[Sequence[Mapping[str, Any]], int]:
    """One page of the students this viewer may see (as mappings) and their total.

    `expiring_within_days`: only students the booking service names as running out of
    plan by then without a renewal. `with_dues`: only the students the payment service
    names as owing money (true), or only the others (false). 503 `source_unavailable`
    when the service asked cannot answer.
    """
    viewer.require_staff_side()
    libraries = viewer.narrowed(flt.library_id)
    if expiring_within_days is not None:
        flt = limited_to(
            flt, await upstream.expiring_students(viewer.tenant_id, expiring_within_days)
        )
    if with_dues is not None:
        owing = await upstream.students_with_dues(viewer.tenant_id)
        flt = limited_to(flt, owing, inside=with_dues)
    repo = StudentRepository(session, viewer.tenant_id)
    # Also refuses an unknown sort (422) before either path reads anything.
    order = sort_clause(sort, SORTABLE, [Student.created_at.desc(), Student.id])
    if not flt.q and not flt.names_students:
        return await repo.plain_page(flt, libraries, sort, paging.offset, paging.page_size)
    query = repo.filtered(flt, libraries)
    items = await repo.page(query, order, paging.offset, paging.page_size)
    return [dict(row._mapping) for row in items], await repo.count(query, flt, libraries)


async def student_payments(
    session: AsyncSession,
    viewer: Viewer,
    student_id: uuid.UUID,
    paging: PageParams,
    upstream: Upstream,
) -> Page[StudentPaymentRead]:
    """The student's payments, newest first, for whoever may see the student (404 otherwise);
    503 `source_unavailable` when the payment service cannot answer."""
    if viewer.student_id is not None and viewer.student_id != student_id:
        raise StudentNotFound()
    # Nothing of the answer leaves before the student is known to be visible.
    found = await upstream.student_payments(
        viewer.tenant_id, student_id, paging.page, paging.page_size
    )
    await get_visible(session, viewer, student_id)
    return Page[StudentPaymentRead](
        items=[StudentPaymentRead.model_validate(p.model_dump()) for p in found.items],
        total=found.total,
        page=paging.page,
        page_size=paging.page_size,
    )


async def student_attendance(
    session: AsyncSession,
    viewer: Viewer,
    student_id: uuid.UUID,
    paging: PageParams,
    upstream: Upstream,
) -> AttendanceHistory:
    """The student's attendance, newest first, for whoever may see the student (404
    otherwise); 503 `source_unavailable` when the attendance service cannot answer."""
    if viewer.student_id is not None and viewer.student_id != student_id:
        raise StudentNotFound()
    found = await upstream.student_attendance(
        viewer.tenant_id, student_id, paging.page, paging.page_size
    )
    await get_visible(session, viewer, student_id)
    return found


async def update_student(
    session: AsyncSession,
    viewer: Viewer,
    student_id: uuid.UUID,
    body: StudentUpdate,
    upstream: Upstream,
) -> Student:
    viewer.require_staff_side()
    changes = body.model_dump(exclude_unset=True)
    consent = body.consent if "consent" in changes else None
    changes.pop("consent", None)
    changes = {f: column_value(getattr(body, f)) for f in changes}
    nulls = [f for f in REQUIRED_ON_UPDATE if f in changes and changes[f] is None]
    if nulls:
        raise Unprocessable(
            "These fields cannot be cleared",
            errors=[{"field": f"body.{f}", "message": "may not be null"} for f in nulls],
        )
    new_library = changes.get("home_library_id")
    library_status = None
    if new_library is not None:
        viewer.require_library(new_library)
        library_status = await upstream.library_status(viewer.tenant_id, new_library)

    student = await get_visible(session, viewer, student_id, for_update=True)
    merged = {f: getattr(student, f) for f in _PLAIN_FIELDS} | changes
    problems = check_student(merged, today_in_india())
    if problems:
        raise Unprocessable("The student is not valid", errors=problems)
    if new_library is not None and new_library != student.home_library_id:
        require_open_library(library_status)
    repo = StudentRepository(session, viewer.tenant_id)
    if (
        "phone" in changes
        and changes["phone"] != student.phone
        and await repo.phone_owner(changes["phone"], excluding=student.id) is not None
    ):
        raise PhoneTaken()

    changed = sorted(f for f in _PLAIN_FIELDS if merged[f] != getattr(student, f))
    before = (student.home_library_id, student.status)
    for field in changed:
        setattr(student, field, merged[field])
    now = utcnow()
    if consent is not None:
        for column, value in consent_columns(consent, viewer, now).items():
            setattr(student, column, value)
        changed.append("consent")
    if not changed:
        return student
    student.updated_at = now
    await flush_or_phone_taken(session)
    if {"name", "phone"}.intersection(changed):
        await repo.replace_terms(student)
    after = (student.home_library_id, student.status)
    if after != before:
        await repo.add_counts({before: -1, after: 1})
    if student.login_created_at is not None and _LOGIN_FIELDS.intersection(changed):
        await upstream.sync_login(student)
    if consent is not None:
        await forward_consent(session, viewer, [(student.id, _channels(consent))], now)
    reason = guardian_reason(changed, consent is not None)
    if reason is not None:
        await ask_guardian(session, viewer, student, reason, now)
    await _audit(session, viewer, "student.updated", student, {"fields": changed})
    return student


async def erase_student(
    session: AsyncSession, viewer: Viewer, student_id: uuid.UUID, upstream: Upstream
) -> None:
    """Data-protection erasure: personal fields blanked, the row (and its number) kept.

    Every student is treated as possibly having financial records, without asking the
    payment service (a payment may be taken at the desk meanwhile): their receipts keep
    pointing at this row and its enrollment number.
    """
    viewer.require_staff_side()
    student = await get_visible(session, viewer, student_id, for_update=True)
    counted_as = (student.home_library_id, student.status)
    now = utcnow()
    for field in (
        "phone",
        "email",
        "date_of_birth",
        "gender",
        "address",
        "id_proof_type",
        "id_proof_number",
        "photo_url",
        "guardian_name",
        "guardian_phone",
        "guardian_email",
        "notes",
    ):
        setattr(student, field, None)
    student.name = "Erased student"
    student.status = "alumni"
    student.consent_data_processing = False
    student.erased_at = now
    student.updated_at = now
    await session.flush()
    repo = StudentRepository(session, viewer.tenant_id)
    await repo.replace_terms(student)
    await repo.add_counts({counted_as: -1})
    await upstream.delete_login(student)
    student.login_created_at = None
    await _audit(session, viewer, "student.erased", student, {})


async def invite_student(
    session: AsyncSession, viewer: Viewer, student_id: uuid.UUID, upstream: Upstream
) -> InviteResult:
    viewer.require_staff_side()
    student = await get_visible(session, viewer, student_id, for_update=True)
    if student.status == "suspended":
        raise StudentNotActive("A suspended student cannot be invited to log in")
    created = await upstream.ensure_login(student)
    await upstream.send_invite(student)
    now = utcnow()
    student.login_created_at = student.login_created_at or now
    student.invited_at = now
    await _audit(session, viewer, "student.invited", student, {"login_created": created})
    return InviteResult(student_id=student.id, invited_at=now, login_created=created)


def _month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


async def _unless_unavailable(
    answer: Awaitable[frozenset[uuid.UUID]],
) -> frozenset[uuid.UUID] | None:
    try:
        return await answer
    except SourceUnavailable:
        return None


async def _count_named(
    repo: StudentRepository,
    named: frozenset[uuid.UUID] | None,
    libraries: frozenset[uuid.UUID] | None,
) -> int | None:
    """How many of the students another service named the list would show (live, in the
    viewer's branches); None when that service could not answer."""
    if named is None:
        return None
    among = limited_to(StudentFilter(), named)
    return await repo.count(repo.filtered(among, libraries), among, libraries)


def _source(count: int | None) -> SourceState:
    return SourceState.unavailable if count is None else SourceState.available


async def analytics(
    session: AsyncSession,
    viewer: Viewer,
    library_id: uuid.UUID | None,
    months: int,
    upstream: Upstream,
) -> StudentAnalytics:
    viewer.require_staff_side()
    libraries = viewer.narrowed(library_id)
    # A service that cannot answer leaves its own count null, never the whole answer.
    expiring_ids = await _unless_unavailable(
        upstream.expiring_students(viewer.tenant_id, EXPIRING_THIS_WEEK_DAYS)
    )
    owing_ids = await _unless_unavailable(upstream.students_with_dues(viewer.tenant_id))
    repo = StudentRepository(session, viewer.tenant_id)
    # The same students the list shows for ?expiring_within_days=7 and ?with_dues=true.
    expiring = await _count_named(repo, expiring_ids, libraries)
    with_dues = await _count_named(repo, owing_ids, libraries)
    counts = await repo.counts_by_status(libraries)
    today = today_in_india()
    since = _month_start(today, months - 1)
    by_month = await repo.admissions_by_month(since, libraries)
    series = []
    for back in range(months - 1, -1, -1):
        key = _month_start(today, back).strftime("%Y-%m")
        series.append(MonthCount(month=key, count=by_month.get(key, 0)))
    return StudentAnalytics(
        total=sum(counts.values()),
        counts_by_status=StatusCounts(
            active=counts.get("active", 0),
            inactive=counts.get("inactive", 0),
            suspended=counts.get("suspended", 0),
            alumni=counts.get("alumni", 0),
        ),
        new_admissions_by_month=series,
        expiring_this_week=expiring,
        with_dues=with_dues,
        sources={
            "students": SourceState.available,
            "bookings": _source(expiring),
            "payments": _source(with_dues),
        },
    )


async def _audit(
    session: AsyncSession,
    viewer: Viewer,
    action: str,
    student: Student,
    details: dict[str, Any],
) -> None:
    await audit.record(
        session,
        action,
        "student",
        student.id,
        tenant_id=viewer.tenant_id,
        actor_id=viewer.user_id,
        actor_type=viewer.principal.user_type,
        details=details,
    )
