"""The transactional outbox: events are rows written in the same transaction as the change.

A relay (or, on the embedded default, the consumers themselves) reads them
after commit; delivery is at least once, so consumers deduplicate on `id`.
See studyspot.kit.events and docs/events.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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
    return (await publish_many(session, topic, [payload], tenant_id=tenant_id))[0]


async def publish_many(
    session: AsyncSession,
    topic: str,
    payloads: Sequence[dict[str, Any]],
    *,
    tenant_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """`publish` for many events of one topic in one statement (a batch upload's events)."""
    check_topic(topic)
    if not all(isinstance(payload, dict) for payload in payloads):
        raise TypeError("an event payload is a JSON object")
    now = utcnow()
    ids = [uuid.uuid4() for _ in payloads]
    rows = [
        {
            "id": event_id,
            "tenant_id": tenant_id,
            "topic": topic,
            "payload": payload,
            "created_at": now,
            "attempts": 0,
        }
        for event_id, payload in zip(ids, payloads, strict=True)
    ]
    if rows:
        await session.execute(insert(outbox_events), rows)
    return ids
