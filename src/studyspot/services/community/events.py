"""Payloads of the events the community service publishes, one model per topic.

- `community.post_created`: a post in an exam community (core outbox) or a library group
  (tenant outbox). The author's user id is null when the post is anonymous, so that no
  consumer (a realtime channel to students, later) can learn who wrote it.
- `community.post_removed`: removed by its author or a moderator.
- `community.inbox_message`: a message in a student's conversation with its library.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.outbox import publish

POST_CREATED = "community.post_created"
POST_REMOVED = "community.post_removed"
INBOX_MESSAGE = "community.inbox_message"


class PostCreated(BaseModel):
    post_id: uuid.UUID
    space: Literal["community", "group"]
    space_id: uuid.UUID
    library_id: uuid.UUID | None
    author_kind: Literal["student", "library"]
    author_user_id: uuid.UUID | None
    author_label: str
    anonymous: bool
    created_at: datetime


class PostRemoved(BaseModel):
    post_id: uuid.UUID
    space: Literal["community", "group"]
    space_id: uuid.UUID
    library_id: uuid.UUID | None
    removed_by: uuid.UUID
    by_moderator: bool
    removed_at: datetime


class InboxMessagePosted(BaseModel):
    thread_id: uuid.UUID
    message_id: uuid.UUID
    library_id: uuid.UUID
    student_id: uuid.UUID
    side: Literal["student", "library"]
    sender_id: uuid.UUID
    created_at: datetime


PAYLOADS: dict[str, type[BaseModel]] = {
    POST_CREATED: PostCreated,
    POST_REMOVED: PostRemoved,
    INBOX_MESSAGE: InboxMessagePosted,
}


async def emit(
    session: AsyncSession, topic: str, payload: BaseModel, *, tenant_id: uuid.UUID | None
) -> None:
    assert isinstance(payload, PAYLOADS[topic])
    body: dict[str, Any] = payload.model_dump(mode="json")
    await publish(session, topic, body, tenant_id=tenant_id)
