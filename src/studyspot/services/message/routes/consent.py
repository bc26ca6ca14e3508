"""Consent per person, channel and purpose, and the tenant's suppressed addresses."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.models import utcnow
from studyspot.kit.pagination import Page, Paging
from studyspot.services.message import consent
from studyspot.services.message.access import Viewer, ViewerDep, require_person
from studyspot.services.message.dependencies import (
    MessagesManage,
    RuntimeDep,
    TenantUser,
    may_act_for,
)
from studyspot.services.message.schemas import (
    MessageConsentRead,
    MessageConsentWrite,
    SuppressionRead,
    SuppressionWrite,
)

router = APIRouter(prefix="/api/messages", tags=["consent"])


async def _require_person(viewer: Viewer, runtime: RuntimeDep, user_id: uuid.UUID) -> None:
    students = runtime.dispatcher.students
    assert students is not None
    await require_person(viewer, students, user_id)


@router.get(
    "/consents/{user_id}",
    response_model=list[MessageConsentRead],
    responses=problem_responses(403, 404),
    summary="What a person agreed to receive (their own, or with messages:read a student's "
    "of the caller's branches)",
)
async def get_consents(
    user_id: uuid.UUID,
    who: TenantUser,
    viewer: ViewerDep,
    runtime: RuntimeDep,
    session: TenantSession,
) -> list[MessageConsentRead]:
    """Branch staff: 404 `student_not_found` for a student of another branch."""
    may_act_for(who, user_id, "messages:read")
    await _require_person(viewer, runtime, user_id)
    rows = await consent.consents_of(session, who.require_tenant(), user_id)
    return [MessageConsentRead.model_validate(r) for r in rows]


@router.put(
    "/consents/{user_id}",
    response_model=MessageConsentRead,
    responses=problem_responses(403, 404),
    summary="Record a consent or its withdrawal (the person, or the desk with messages:create "
    "for a student of its branches)",
)
async def put_consent(
    user_id: uuid.UUID,
    body: MessageConsentWrite,
    who: TenantUser,
    viewer: ViewerDep,
    runtime: RuntimeDep,
    session: TenantSession,
) -> MessageConsentRead:
    """The latest answer wins; each one is audited with who recorded it and the notice
    version. Reminders and promotional messages go out only with consent granted.
    Branch staff: 404 `student_not_found` for a student of another branch."""
    may_act_for(who, user_id, "messages:create")
    await _require_person(viewer, runtime, user_id)
    row = await consent.record_consent(
        session,
        who.require_tenant(),
        who,
        user_id=user_id,
        channel=body.channel,
        purpose=body.purpose,
        granted=body.granted,
        notice_version=body.notice_version,
        now=utcnow(),
    )
    return MessageConsentRead.model_validate(row)


@router.get(
    "/suppressions",
    response_model=Page[SuppressionRead],
    responses=problem_responses(403),
    summary="Addresses nothing is sent to (bounced, complained, stopped), newest first",
)
async def list_suppressions(
    who: MessagesManage, session: TenantSession, paging: Paging
) -> Page[SuppressionRead]:
    rows, total = await consent.suppressions(session, who.require_tenant(), paging)
    return Page(
        items=[SuppressionRead.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post(
    "/suppressions",
    status_code=201,
    response_model=SuppressionRead,
    responses=problem_responses(403),
    summary="Stop sending anything to an address (already suppressed: the existing entry)",
)
async def add_suppression(
    body: SuppressionWrite, who: MessagesManage, session: TenantSession
) -> SuppressionRead:
    row = await consent.suppress(
        session,
        who.require_tenant(),
        channel=body.channel,
        address=body.address,
        reason="manual",
        by=who.user_id,
        now=utcnow(),
    )
    return SuppressionRead.model_validate(row)


@router.delete(
    "/suppressions/{suppression_id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404),
    summary="Send to the address again",
)
async def delete_suppression(
    suppression_id: uuid.UUID, who: MessagesManage, session: TenantSession
) -> Response:
    await consent.lift_suppression(session, who.require_tenant(), suppression_id)
    return Response(status_code=204)
