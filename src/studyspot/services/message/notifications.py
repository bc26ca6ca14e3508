"""The in-app feed: notifications made from events, read and marked read by their user.

A notification is made once per (tenant, event, user, kind): the consumer's
processed-event ledger already runs it once, and the unique constraint is the
second wall. Its title and body are rendered when it is made, in the user's
language, from the tenant's own wording if the owner wrote one. Each new notification
publishes `message.notification_created` (ids only) in the same transaction: the realtime
stream tells that user's open consoles at once (docs/realtime.md), and their bell counts
it without waiting for its next poll.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.outbox import publish
from studyspot.kit.pagination import PageParams, paginate
from studyspot.kit.repository import TenantRepository
from studyspot.services.message.errors import NotificationNotFound
from studyspot.services.message.models import Notification
from studyspot.services.message.overrides import override_for
from studyspot.services.message.preferences import language_of
from studyspot.services.message.templates import kind_of, render

IN_APP = "in_app"
NOTIFICATION_CREATED = "message.notification_created"


class NotificationCreated(BaseModel):
    """`message.notification_created`: a notification is in `user_id`'s feed. No title nor
    body: the stream says only that there is something new; its user reads the feed."""

    notification_id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    created_at: datetime


class NotificationRepository(TenantRepository[Notification]):
    model = Notification

    async def exists_for(self, event_id: uuid.UUID, user_id: uuid.UUID, kind: str) -> bool:
        query = self.select().where(
            Notification.event_id == event_id,
            Notification.user_id == user_id,
            Notification.kind == kind,
        )
        return await self.first(query) is not None

    def of_user(self, user_id: uuid.UUID, *, unread_only: bool = False) -> Any:
        query = self.select().where(Notification.user_id == user_id)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        return query

    async def unread(self, user_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            Notification.tenant_id == self.tenant_id,
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
        )
        return int(await self.session.scalar(query) or 0)

    async def mark_read(
        self, user_id: uuid.UUID, now: datetime, notification_id: uuid.UUID | None = None
    ) -> int:
        """Mark one (or every) unread notification of the user read; how many changed."""
        conditions = [
            Notification.tenant_id == self.tenant_id,
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
        ]
        if notification_id is not None:
            conditions.append(Notification.id == notification_id)
        done = await self.session.execute(
            update(Notification)
            .where(*conditions)
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(done.rowcount)  # type: ignore[attr-defined]


async def notify(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    event_id: uuid.UUID,
    kind: str,
    user_id: uuid.UUID,
    user_type: str,
    variables: dict[str, Any],
    now: datetime,
) -> Notification | None:
    """Put a notification in the user's feed; None if this event already made it."""
    repo = NotificationRepository(session, tenant_id)
    if await repo.exists_for(event_id, user_id, kind):
        return None
    language = await language_of(session, tenant_id, user_id)
    override = await override_for(session, tenant_id, kind, IN_APP, language)
    rendered = render(kind, IN_APP, language, variables, override=override)
    made = await repo.add(
        Notification(
            event_id=event_id,
            kind=kind,
            category=kind_of(kind).category,
            user_id=user_id,
            user_type=user_type,
            language=language,
            variables=variables,
            title=rendered.subject[:200],
            body=rendered.text,
            created_at=now,
        )
    )
    created = NotificationCreated(
        notification_id=made.id, user_id=user_id, kind=kind, created_at=now
    )
    await publish(
        session, NOTIFICATION_CREATED, created.model_dump(mode="json"), tenant_id=tenant_id
    )
    return made


async def claim(
    session: AsyncSession, tenant_id: uuid.UUID, notification_id: uuid.UUID, now: datetime
) -> Notification | None:
    """Take a notification for fanning out (a conditional UPDATE of `fanned_out_at`, so two
    dispatchers never both do it); None if another had it."""
    claimed = await session.execute(
        update(Notification)
        .where(
            Notification.tenant_id == tenant_id,
            Notification.id == notification_id,
            Notification.fanned_out_at.is_(None),
        )
        .values(fanned_out_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.scalar(select(Notification).where(Notification.id == notification_id))


async def feed(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    params: PageParams,
    *,
    unread_only: bool,
) -> tuple[list[Notification], int]:
    repo = NotificationRepository(session, tenant_id)
    return await paginate(
        session,
        repo.of_user(user_id, unread_only=unread_only),
        params,
        [Notification.created_at.desc(), Notification.id],
    )


async def unread_count(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> int:
    return await NotificationRepository(session, tenant_id).unread(user_id)


async def mark_read(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    notification_id: uuid.UUID,
    now: datetime,
) -> Notification:
    """Mark one of the user's notifications read (again is fine); another's is a 404."""
    repo = NotificationRepository(session, tenant_id)
    await repo.mark_read(user_id, now, notification_id)
    found = await repo.first(
        repo.of_user(user_id)
        .where(Notification.id == notification_id)
        .execution_options(populate_existing=True)
    )
    if found is None:
        raise NotificationNotFound("No such notification")
    return found


async def mark_all_read(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> int:
    return await NotificationRepository(session, tenant_id).mark_read(user_id, now)
