"""The signed-in user's in-app feed and their language (`/api/messages/notifications`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.models import utcnow
from studyspot.kit.pagination import Page, Paging
from studyspot.services.message import notifications, preferences
from studyspot.services.message.dependencies import TenantUser
from studyspot.services.message.schemas import (
    MarkedRead,
    NotificationRead,
    PreferenceRead,
    PreferenceWrite,
    UnreadCount,
)

router = APIRouter(prefix="/api/messages", tags=["notifications"])


@router.get(
    "/notifications",
    response_model=Page[NotificationRead],
    responses=problem_responses(403),
    summary="The caller's notifications, newest first",
)
async def list_notifications(
    who: TenantUser,
    session: TenantSession,
    paging: Paging,
    unread: Annotated[bool, Query(description="Only those not read yet")] = False,
) -> Page[NotificationRead]:
    rows, total = await notifications.feed(
        session, who.require_tenant(), who.user_id, paging, unread_only=unread
    )
    return Page(
        items=[NotificationRead.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/notifications/unread-count",
    response_model=UnreadCount,
    responses=problem_responses(403),
    summary="How many of the caller's notifications are unread (for a badge)",
)
async def unread_count(who: TenantUser, session: TenantSession) -> UnreadCount:
    return UnreadCount(
        unread=await notifications.unread_count(session, who.require_tenant(), who.user_id)
    )


@router.post(
    "/notifications/read-all",
    response_model=MarkedRead,
    responses=problem_responses(403),
    summary="Mark every notification of the caller read",
)
async def mark_all_read(who: TenantUser, session: TenantSession) -> MarkedRead:
    marked = await notifications.mark_all_read(session, who.require_tenant(), who.user_id, utcnow())
    return MarkedRead(marked=marked)


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationRead,
    responses=problem_responses(403, 404),
    summary="Mark one of the caller's notifications read (again is fine)",
)
async def mark_read(
    notification_id: uuid.UUID, who: TenantUser, session: TenantSession
) -> NotificationRead:
    row = await notifications.mark_read(
        session, who.require_tenant(), who.user_id, notification_id, utcnow()
    )
    return NotificationRead.model_validate(row)


@router.get(
    "/preferences",
    response_model=PreferenceRead,
    responses=problem_responses(403),
    summary="The language the caller's messages are written in",
)
async def get_preferences(who: TenantUser, session: TenantSession) -> PreferenceRead:
    language = await preferences.language_of(session, who.require_tenant(), who.user_id)
    return PreferenceRead.model_validate({"language": language})


@router.put(
    "/preferences",
    response_model=PreferenceRead,
    responses=problem_responses(403),
    summary="Choose the language of the caller's messages (English or Hindi)",
)
async def put_preferences(
    body: PreferenceWrite, who: TenantUser, session: TenantSession
) -> PreferenceRead:
    await preferences.set_language(
        session, who.require_tenant(), who.user_id, body.language, utcnow()
    )
    return PreferenceRead(language=body.language)
