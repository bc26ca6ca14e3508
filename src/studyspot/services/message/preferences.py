"""A user's language for the messages they receive (English unless they chose Hindi)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.services.message.models import Preference
from studyspot.services.message.templates import DEFAULT_LANGUAGE
from studyspot.services.message.upsert import upsert


async def language_of(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> str:
    found = await session.scalar(
        select(Preference.language).where(
            Preference.tenant_id == tenant_id, Preference.user_id == user_id
        )
    )
    return found or DEFAULT_LANGUAGE


async def set_language(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID, language: str, now: datetime
) -> str:
    await upsert(
        session,
        Preference,
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "user_id": user_id,
            "language": language,
            "updated_at": now,
        },
        ("tenant_id", "user_id"),
    )
    return language
