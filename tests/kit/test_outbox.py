"""The transactional outbox: events commit and roll back with the change; old rows are pruned."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from studyspot.kit.db import unit_of_work
from studyspot.kit.events.directory import StaticTenantDirectory
from studyspot.kit.events.janitor import Janitor
from studyspot.kit.events.sources import Sources
from studyspot.kit.models import outbox_events, processed_events, utcnow
from studyspot.kit.outbox import publish
from tests.fixtures.databases import DbSet
from tests.fixtures.events import (
    Handles,
    emit,
    emit_rolled_back,
    fast_config,
    handles,
    outbox_state,
)


@pytest.fixture
async def h(clean_dbs: DbSet) -> AsyncIterator[Handles]:
    async with handles(clean_dbs.settings()) as opened:
        yield opened


async def test_event_commits_with_the_change_it_describes(h: Handles) -> None:
    tenant = uuid.uuid4()
    event_id = await emit(h.shared, "booking.confirmed", {"booking_id": "b1"}, tenant_id=tenant)

    state = await outbox_state(h.shared, event_id)
    assert state is not None
    assert state.published_at is None and state.attempts == 0
    async with h.shared.engine.connect() as conn:
        row = (
            await conn.execute(select(outbox_events).where(outbox_events.c.id == event_id))
        ).one()
    assert row.topic == "booking.confirmed"
    assert row.tenant_id == tenant
    assert row.payload == {"booking_id": "b1"}


async def test_event_of_a_rolled_back_transaction_is_not_in_the_outbox(h: Handles) -> None:
    event_id = await emit_rolled_back(h.core, "tenant.created")

    assert await outbox_state(h.core, event_id) is None


@pytest.mark.parametrize(
    "topic", ["Booking.Confirmed", "booking..confirmed", "booking.*", "booking.>", "a b", "x" * 129]
)
async def test_publish_refuses_a_malformed_topic_before_writing(h: Handles, topic: str) -> None:
    with pytest.raises(ValueError, match="invalid event topic"):
        async with unit_of_work(h.core) as session:
            await publish(session, topic, {})
    async with h.core.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(outbox_events))).scalar() == 0


async def test_janitor_prunes_old_published_rows_and_keeps_undelivered_ones(h: Handles) -> None:
    now = utcnow()
    old_published = uuid.uuid4()
    recent_published = uuid.uuid4()
    old_unpublished = uuid.uuid4()
    async with unit_of_work(h.shared) as session:
        for event_id, created, published in (
            (old_published, now - timedelta(days=9), now - timedelta(days=8)),
            (recent_published, now - timedelta(days=2), now - timedelta(days=1)),
            (old_unpublished, now - timedelta(days=40), None),
        ):
            await session.execute(
                insert(outbox_events).values(
                    id=event_id,
                    topic="booking.created",
                    payload={},
                    created_at=created,
                    published_at=published,
                    attempts=0,
                )
            )
        for event_id, at in ((old_published, now - timedelta(days=31)), (recent_published, now)):
            await session.execute(
                insert(processed_events).values(consumer="c", event_id=event_id, processed_at=at)
            )

    config = fast_config(outbox_retention_days=7, processed_retention_days=30)
    sources = Sources(h.core, h.tenants, StaticTenantDirectory(), refresh_seconds=60)
    pruned = await Janitor(sources, config, asyncio.Event()).prune_once()

    assert (pruned.outbox, pruned.processed) == (1, 1)
    assert await outbox_state(h.shared, old_published) is None
    assert await outbox_state(h.shared, recent_published) is not None
    # Never delivered: kept however old, or the event would be lost.
    assert await outbox_state(h.shared, old_unpublished) is not None
    async with h.shared.engine.connect() as conn:
        kept = (await conn.execute(select(processed_events.c.event_id))).scalars().all()
    assert kept == [recent_published]
