"""Events the analytics service consumes (run by `studyspot worker`, docs/events.md).

One consumer for every topic the read models need; `projection.apply` logs the
event and projects it, idempotently and in any order (docs/analytics.md).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.events import Consumer, Event
from studyspot.services.analytics.projection import PLATFORM_TOPICS, TOPICS, apply


async def on_event(event: Event, session: AsyncSession) -> None:
    await apply(session, event)


CONSUMERS = [
    Consumer("analytics_projection", (*sorted(TOPICS), *PLATFORM_TOPICS), on_event),
]
