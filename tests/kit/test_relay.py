"""The relay and consumers on the real NATS JetStream server (127.0.0.1:4222).

Every test gets its own stream and subject prefix (tests.fixtures.events.fast_config),
deleted afterwards, so concurrent runs on one server never see each other's messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import nats
import nats.js.errors
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo
from sqlalchemy import update

from studyspot.kit.db import unit_of_work
from studyspot.kit.events.config import EventSettings
from studyspot.kit.events.directory import StaticTenantDirectory
from studyspot.kit.events.event import Event
from studyspot.kit.events.nats_bus import MSG_ID, JetStreamPublisher, durable_name, ensure_stream
from studyspot.kit.events.pump import OutboxPump
from studyspot.kit.events.sources import Sources
from studyspot.kit.models import outbox_events, utcnow
from studyspot.kit.settings import Settings
from tests.fixtures.databases import DbSet
from tests.fixtures.events import (
    NATS_URL,
    Handles,
    Recorder,
    dedicated_database,
    effects,
    emit,
    emit_rolled_back,
    eventually,
    fast_config,
    handles,
    outbox_state,
    processed,
    running,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@dataclass
class Bus:
    nc: NATS
    js: JetStreamContext
    config: EventSettings

    async def messages(self) -> list[Msg]:
        """Everything in the stream, read by a throwaway ordered consumer."""
        info = await self.js.stream_info(self.config.stream)
        total = info.state.messages
        if total == 0:
            return []
        sub = await self.js.subscribe(
            f"{self.config.subject_prefix}.>", stream=self.config.stream, ordered_consumer=True
        )
        try:
            return [await sub.next_msg(timeout=5) for _ in range(total)]
        finally:
            await sub.unsubscribe()

    async def consumer(self, recorder: Recorder, pattern: str) -> ConsumerInfo:
        info: ConsumerInfo = await self.js.consumer_info(
            self.config.stream, durable_name(recorder.consumer, pattern)
        )
        return info

    async def publish_raw(self, event: Event, msg_id: str) -> None:
        await self.js.publish(
            f"{self.config.subject_prefix}.{event.topic}",
            event.encode(),
            stream=self.config.stream,
            headers={MSG_ID: msg_id},
        )


@pytest.fixture
async def bus() -> AsyncIterator[Bus]:
    config = fast_config()
    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    await ensure_stream(js, config)
    try:
        yield Bus(nc, js, config)
    finally:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await js.delete_stream(config.stream)
        await nc.close()


@pytest.fixture
async def h(clean_dbs: DbSet) -> AsyncIterator[Handles]:
    async with handles(clean_dbs.settings()) as opened:
        yield opened


@pytest.fixture
async def dedicated(clean_dbs: DbSet, h: Handles) -> AsyncIterator[str]:
    async with dedicated_database(clean_dbs, h) as key:
        yield key


def nats_settings(dbs: DbSet) -> Settings:
    return dbs.settings(nats_url=NATS_URL)


def relay(h: Handles, bus: Bus, **config: float) -> OutboxPump:
    directory = StaticTenantDirectory()
    sources = Sources(h.core, h.tenants, directory, refresh_seconds=0.001)
    tuned = bus.config.model_copy(update=config)
    return OutboxPump(sources, JetStreamPublisher(bus.nc, bus.js, tuned), tuned)


async def test_committed_event_is_published_even_when_the_relay_starts_after_the_commit(
    h: Handles, bus: Bus
) -> None:
    tenant = uuid.uuid4()
    event_id = await emit(h.shared, "booking.confirmed", {"booking_id": "b1"}, tenant_id=tenant)

    result = await relay(h, bus).run_once()

    assert result.delivered == 1
    [msg] = await bus.messages()
    assert msg.subject == f"{bus.config.subject_prefix}.booking.confirmed"
    assert msg.headers is not None and msg.headers[MSG_ID] == str(event_id)
    event = Event.decode(msg.data)
    assert (event.id, event.topic, event.tenant_id) == (event_id, "booking.confirmed", tenant)
    assert event.payload == {"booking_id": "b1"}
    state = await outbox_state(h.shared, event_id)
    assert state is not None and state.published_at is not None


async def test_event_of_a_rolled_back_transaction_never_reaches_the_stream(
    h: Handles, bus: Bus
) -> None:
    await emit_rolled_back(h.core, "tenant.created")
    kept = await emit(h.core, "tenant.created")

    await relay(h, bus).run_once()

    assert [Event.decode(m.data).id for m in await bus.messages()] == [kept]


async def test_republish_after_a_crash_before_marking_is_dropped_by_jetstream(
    h: Handles, bus: Bus
) -> None:
    event_id = await emit(h.shared, "booking.created", tenant_id=uuid.uuid4())
    pump = relay(h, bus)
    await pump.run_once()
    async with unit_of_work(h.shared) as session:
        await session.execute(
            update(outbox_events).where(outbox_events.c.id == event_id).values(published_at=None)
        )

    assert (await pump.run_once()).delivered == 1

    assert len(await bus.messages()) == 1


async def test_relay_keeps_events_while_the_stream_is_missing_and_catches_up(
    h: Handles, bus: Bus
) -> None:
    event_id = await emit(h.shared, "booking.created", tenant_id=uuid.uuid4())
    await bus.js.delete_stream(bus.config.stream)

    result = await relay(h, bus).run_once()

    assert result.unavailable and result.delivered == 0
    state = await outbox_state(h.shared, event_id)
    # The broker's outage is nobody's fault: no attempt counted against the event.
    assert state is not None and state.published_at is None and state.attempts == 0
    await ensure_stream(bus.js, bus.config)
    assert (await relay(h, bus).run_once()).delivered == 1
    assert [Event.decode(m.data).id for m in await bus.messages()] == [event_id]


async def test_event_the_broker_refuses_is_retried_later_without_blocking_the_rest(
    h: Handles, bus: Bus
) -> None:
    huge = await emit(h.shared, "booking.created", {"blob": "x" * 2_000_000})
    normal = await emit(h.shared, "booking.created")
    pump = relay(h, bus, retry_base_seconds=60, retry_max_seconds=60)

    first = await pump.run_once()
    await pump.run_once()

    assert first.failed == 1
    state = await outbox_state(h.shared, huge)
    assert state is not None and state.published_at is None and state.attempts == 1
    assert [Event.decode(m.data).id for m in await bus.messages()] == [normal]


async def test_consumer_gets_the_event_through_jetstream_and_acks_after_commit(
    clean_dbs: DbSet, h: Handles, bus: Bus
) -> None:
    recorder = Recorder("booking_listener", ("booking.confirmed",))
    tenant = uuid.uuid4()
    event_id = await emit(h.shared, "booking.confirmed", tenant_id=tenant)

    async with running(nats_settings(clean_dbs), [recorder.consumer], bus.config):
        await eventually(lambda: effects(h.shared, event_id), what="the handler's write")
        await eventually(lambda: _settled(bus, recorder, "booking.confirmed", 1), what="the ack")

    assert await effects(h.shared, event_id) == 1
    assert await processed(h.shared, event_id) == [("booking_listener", tenant)]
    state = await outbox_state(h.shared, event_id)
    assert state is not None and state.published_at is not None


async def _settled(bus: Bus, recorder: Recorder, pattern: str, delivered: int) -> bool:
    try:
        info = await bus.consumer(recorder, pattern)
    except nats.js.errors.NotFoundError:
        return False
    assert info.delivered is not None
    return info.num_ack_pending == 0 and (info.delivered.stream_seq or 0) >= delivered


async def test_redelivered_message_runs_the_handlers_effects_once(
    clean_dbs: DbSet, h: Handles, bus: Bus
) -> None:
    recorder = Recorder("listener", ("payment.captured",))
    event = Event(uuid.uuid4(), "payment.captured", uuid.uuid4(), {"paise": 50000}, utcnow())
    # The same event twice in the stream, as after a relay crash outside the duplicate window.
    await bus.publish_raw(event, "first")
    await bus.publish_raw(event, "second")

    async with running(nats_settings(clean_dbs), [recorder.consumer], bus.config):
        await eventually(lambda: _settled(bus, recorder, "payment.captured", 2), what="both acks")

    assert recorder.calls == [event.id]
    assert await effects(h.shared, event.id) == 1


async def test_failed_handler_is_nakked_and_redelivered_until_it_succeeds(
    clean_dbs: DbSet, h: Handles, bus: Bus
) -> None:
    recorder = Recorder("listener", ("booking.cancelled",), fail_times=2)
    event_id = await emit(h.shared, "booking.cancelled", tenant_id=uuid.uuid4())

    async with running(nats_settings(clean_dbs), [recorder.consumer], bus.config):
        await eventually(lambda: effects(h.shared, event_id), what="the third delivery")
        await eventually(lambda: _settled(bus, recorder, "booking.cancelled", 1), what="the ack")

    assert recorder.calls == [event_id] * 3
    assert await effects(h.shared, event_id) == 1
    info = await bus.consumer(recorder, "booking.cancelled")
    assert info.delivered is not None
    assert info.delivered.consumer_seq == 3  # delivered three times, acked once


async def test_malformed_message_is_dropped_not_redelivered_forever(
    clean_dbs: DbSet, bus: Bus
) -> None:
    recorder = Recorder("listener", ("booking.created",))
    await bus.js.publish(
        f"{bus.config.subject_prefix}.booking.created", b"not an event", stream=bus.config.stream
    )

    async with running(nats_settings(clean_dbs), [recorder.consumer], bus.config):
        await eventually(lambda: _settled(bus, recorder, "booking.created", 1), what="the term")
        await asyncio.sleep(0.3)

    info = await bus.consumer(recorder, "booking.created")
    assert info.delivered is not None
    assert info.delivered.consumer_seq == 1  # terminated, not redelivered
    assert recorder.calls == []


async def test_events_of_a_dedicated_tenant_database_are_relayed_and_consumed_there(
    clean_dbs: DbSet,
    h: Handles,
    bus: Bus,
    dedicated: str,
) -> None:
    recorder = Recorder("listener", ("booking.created",))
    tenant = uuid.uuid4()
    directory = StaticTenantDirectory({tenant: dedicated})
    own = await h.tenants.get(dedicated)
    event_id = await emit(own, "booking.created", tenant_id=tenant)

    async with running(nats_settings(clean_dbs), [recorder.consumer], bus.config, directory):
        await eventually(lambda: effects(own, event_id), what="the handler's write")

    [msg] = await bus.messages()
    assert Event.decode(msg.data).id == event_id
    state = await outbox_state(own, event_id)
    assert state is not None and state.published_at is not None
    assert await processed(own, event_id) == [("listener", tenant)]
    assert await effects(h.shared, event_id) == 0
