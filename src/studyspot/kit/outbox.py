"""The transactional outbox: events are rows written in the same transaction as the change.

A relay (or, on the embedded default, the consumers themselves) reads them
after commit; delivery is at least once, so consumers deduplicate on `id`.
See studyspot.kit.events and docs/events.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.events.topics import check_topic
from studyspot.kit.models import outbox_events, utcnow


async def publish(
    session: AsyncSession,
    topic: str,
    payload: dict[str, Any],
    *,
    tenant_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Write `topic` with `payload` (JSON-serialisable) in the caller's transaction.

    The topic is `<service>.<event>` (lower snake_case tokens); a bad one is a
    programming error and raises ValueError before anything is written.
    """
    check_topic(topic)
    if not isinstance(payload, dict):
        raise TypeError("an event payload is a JSON object")
    event_id = uuid.uuid4()
    await session.execute(
        insert(outbox_events).values(
            id=event_id,
            tenant_id=tenant_id,
            topic=topic,
            payload=payload,
            created_at=utcnow(),
            attempts=0,
        )
    )
    return event_id
