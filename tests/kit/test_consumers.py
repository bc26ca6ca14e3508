"""Consumers on the embedded default: the outbox is the log, read by the worker itself."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update

from studyspot.kit.db import unit_of_work
from studyspot.kit.events import Consumer, Event
from studyspot.kit.events.consumer import Targets, deliver
from studyspot.kit.events.directory import CoreTenantDirectory, StaticTenantDirectory
from studyspot.kit.events.local import LocalDispatch
from studyspot.kit.events.pump import OutboxPump
from studyspot.kit.events.sources import Sources
from studyspot.kit.events.topics import matches
from studyspot.kit.events.worker import Worker
from studyspot.kit.models import outbox_events, utcnow
from studyspot.kit.outbox import publish
from tests.fixtures.databases import DbSet
from tests.fixtures.events import (
    Handles,
    Recorder,
    dedicated_database,
    effects,
    emit,
    emit_rolled_back,
    eventually,
    fast_config,
    handles,
    insert_tenant,
    outbox_state,
    processed,
    running,
)


@pytest.fixture
async def h(clean_dbs: DbSet) -> AsyncIterator[Handles]:
    async with handles(clean_dbs.settings()) as opened:
        yield opened


def local_pump(
    h: Handles,
    recorders: list[Recorder],
    directory: StaticTenantDirectory | None = None,
    **config: object,
) -> OutboxPump:
    directory = directory or StaticTenantDirectory()
    targets = Targets(h.core, h.tenants, directory)
    sources = Sources(h.core, h.tenants, directory, refresh_seconds=0.001)
    return OutboxPump(
        sources, LocalDispatch([r.consumer for r in recorders], targets), fast_config(**config)
    )


@pytest.fixture
async def dedicated(clean_dbs: DbSet, h: Handles) -> AsyncIterator[str]:
    async with dedicated_database(clean_dbs, h) as key:
        yield key


async def test_event_committed_before_the_worker_starts_reaches_its_consumer(
    clean_dbs: DbSet, h: Handles
) -> None:
    tenant = uuid.uuid4()
    event_id = await emit(h.shared, "booking.confirmed", {"booking_id": "b1"}, tenant_id=tenant)
    recorder = Recorder("booking_listener", ("booking.confirmed",))

    async with running(clean_dbs.settings(), [recorder.consumer], fast_config()):
        await eventually(lambda: effects(h.shared, event_id), what="the handler's write")
        await eventually(
            lambda: _published(h, event_id), what="the outbox row to be marked delivered"
        )

    assert await effects(h.shared, event_id) == 1
    assert await processed(h.shared, event_id) == [("booking_listener", tenant)]
    assert recorder.seen_tenants == [tenant]


async def _published(h: Handles, event_id: uuid.UUID) -> bool:
    state = await outbox_state(h.shared, event_id)
    return state is not None and state.published_at is not None


async def test_event_of_a_rolled_back_transaction_is_never_delivered(
    clean_dbs: DbSet, h: Handles
) -> None:
    recorder = Recorder("listener", ("booking.created",))
    lost = await emit_rolled_back(h.shared, "booking.created", tenant_id=uuid.uuid4())
    kept = await emit(h.shared, "booking.created", tenant_id=uuid.uuid4())

    async with running(clean_dbs.settings(), [recorder.consumer], fast_config()):
        await eventually(lambda: effects(h.shared, kept), what="the committed event")

    assert recorder.calls == [kept]
    assert await effects(h.shared, lost) == 0


async def test_redelivered_event_runs_the_handlers_effects_once(h: Handles) -> None:
    recorder = Recorder("listener", ("payment.captured",))
    event_id = await emit(h.shared, "payment.captured", tenant_id=uuid.uuid4())
    pump = local_pump(h, [recorder])

    assert (await pump.run_once()).delivered == 1
    # A crash between the handler's commit and marking the row: it comes round again.
    async with unit_of_work(h.shared) as session:
        await session.execute(
            update(outbox_events).where(outbox_events.c.id == event_id).values(published_at=None)
        )
    assert (await pump.run_once()).delivered == 1

    assert recorder.calls == [event_id]  # the second time the ledger skipped the handler
    assert await effects(h.shared, event_id) == 1


async def test_concurrent_deliveries_of_one_event_run_it_once(h: Handles) -> None:
    recorder = Recorder("listener", ("payment.captured",))
    tenant = uuid.uuid4()
    event = Event(uuid.uuid4(), "payment.captured", tenant, {}, utcnow())
    targets = Targets(h.core, h.tenants, StaticTenantDirectory())

    ran = await asyncio.gather(*(deliver(recorder.consumer, event, targets) for _ in range(5)))

    assert sorted(ran) == [False, False, False, False, True]
    assert await effects(h.shared, event.id) == 1


async def test_failed_handler_is_retried_and_its_partial_write_undone(h: Handles) -> None:
    recorder = Recorder("listener", ("booking.cancelled",), fail_times=2)
    event_id = await emit(h.shared, "booking.cancelled", tenant_id=uuid.uuid4())
    pump = local_pump(h, [recorder])

    first = await pump.run_once()
    state = await outbox_state(h.shared, event_id)
    assert (first.delivered, first.failed) == (0, 1)
    assert state is not None and state.published_at is None and state.attempts == 1
    assert state.next_attempt_at is not None
    assert await effects(h.shared, event_id) == 0  # the failed run's write was rolled back

    await pump.run_once()
    await pump.run_once()

    state = await outbox_state(h.shared, event_id)
    assert state is not None and state.published_at is not None and state.attempts == 2
    assert recorder.calls == [event_id] * 3
    assert await effects(h.shared, event_id) == 1


async def test_failed_event_waits_for_its_backoff_and_does_not_block_later_ones(
    h: Handles,
) -> None:
    recorder = Recorder("listener", ("booking.cancelled",), fail_times=1)
    failing = await emit(h.shared, "booking.cancelled", tenant_id=uuid.uuid4())
    later = await emit(h.shared, "booking.cancelled", tenant_id=uuid.uuid4())
    pump = local_pump(h, [recorder], retry_base_seconds=60, retry_max_seconds=60)

    await pump.run_once()  # the first event fails and is postponed by about a minute
    await pump.run_once()
    await pump.run_once()

    assert recorder.calls == [failing, later]
    assert await effects(h.shared, later) == 1
    state = await outbox_state(h.shared, failing)
    assert state is not None and state.published_at is None and state.attempts == 1


async def test_a_failing_consumer_does_not_make_the_others_run_twice(h: Handles) -> None:
    steady = Recorder("steady", ("booking.created",))
    flaky = Recorder("flaky", ("booking.created",), fail_times=1)
    event_id = await emit(h.shared, "booking.created", tenant_id=uuid.uuid4())
    pump = local_pump(h, [steady, flaky])

    await pump.run_once()
    await pump.run_once()

    assert len(steady.calls) == 1 and len(flaky.calls) == 2
    assert await effects(h.shared, event_id, "steady") == 1
    assert await effects(h.shared, event_id, "flaky") == 1


async def test_events_nobody_wants_are_marked_without_running_anything(h: Handles) -> None:
    recorder = Recorder("listener", ("booking.*",))
    event_id = await emit(h.core, "tenant.created")

    await local_pump(h, [recorder]).run_once()

    state = await outbox_state(h.core, event_id)
    assert state is not None and state.published_at is not None
    assert recorder.calls == []


async def test_lower_sequence_committed_later_is_still_delivered(
    clean_dbs: DbSet, h: Handles
) -> None:
    if clean_dbs.backend != "postgres":
        pytest.skip("SQLite has one writer at a time, so commit order is sequence order")
    recorder = Recorder("listener", ("booking.created",))
    pump = local_pump(h, [recorder])
    tenant = uuid.uuid4()

    async with unit_of_work(h.shared) as slow:
        slow_id = await publish(slow, "booking.created", {}, tenant_id=tenant)  # lower seq
        fast_id = await emit(
            h.shared, "booking.created", tenant_id=tenant
        )  # higher seq, commits first
        await pump.run_once()
        assert recorder.calls == [fast_id]
    await pump.run_once()

    assert recorder.calls == [fast_id, slow_id]
    assert await effects(h.shared, slow_id) == 1


async def test_events_of_a_tenant_being_moved_wait_and_hold_up_no_one_else(h: Handles) -> None:
    recorder = Recorder("listener", ("booking.created",))
    moving, other = uuid.uuid4(), uuid.uuid4()
    directory = StaticTenantDirectory()
    directory.migrating.add(moving)
    waiting = await emit(h.shared, "booking.created", tenant_id=moving)
    unaffected = await emit(h.shared, "booking.created", tenant_id=other)
    pump = local_pump(h, [recorder], directory)

    await pump.run_once()
    assert recorder.calls == [unaffected]
    directory.migrating.clear()
    await pump.run_once()

    assert recorder.calls == [unaffected, waiting]
    assert await effects(h.shared, waiting) == 1


async def test_events_of_a_dedicated_tenant_database_reach_consumers_there(
    h: Handles, dedicated: str
) -> None:
    recorder = Recorder("listener", ("booking.created",))
    tenant = uuid.uuid4()
    directory = StaticTenantDirectory({tenant: dedicated})
    own = await h.tenants.get(dedicated)
    event_id = await emit(own, "booking.created", tenant_id=tenant)

    await local_pump(h, [recorder], directory).run_once()

    assert await effects(own, event_id) == 1
    assert await effects(h.shared, event_id) == 0
    assert await processed(own, event_id) == [("listener", tenant)]
    state = await outbox_state(own, event_id)
    assert state is not None and state.published_at is not None


async def test_worker_finds_dedicated_databases_in_the_tenants_table(
    clean_dbs: DbSet, h: Handles, dedicated: str
) -> None:
    recorder = Recorder("listener", ("booking.created",))
    tenant = await insert_tenant(h.core, database_key=dedicated)
    own = await h.tenants.get(dedicated)
    event_id = await emit(own, "booking.created", tenant_id=tenant)
    # Written to the shared database before the tenant moved: handled in its own database now.
    before_move = await emit(h.shared, "booking.created", tenant_id=tenant)

    async with running(clean_dbs.settings(), [recorder.consumer], fast_config()):
        await eventually(lambda: effects(own, event_id), what="the dedicated event")
        await eventually(lambda: effects(own, before_move), what="the pre-move event")

    assert await effects(h.shared, before_move) == 0
    assert await CoreTenantDirectory(h.core).dedicated_keys() == [dedicated]


async def test_tenants_table_says_where_a_tenant_lives_and_when_it_is_moving(
    h: Handles,
) -> None:
    directory = CoreTenantDirectory(h.core)
    shared = await insert_tenant(h.core, database_key=None)
    moving = await insert_tenant(h.core, database_key=None, status="migrating")
    own = await insert_tenant(h.core, database_key="tenant_abc")

    assert (await directory.placement(shared)).database_key is None
    assert (await directory.placement(moving)).migrating
    assert (await directory.placement(own)).database_key == "tenant_abc"
    assert not (await directory.placement(uuid.uuid4())).migrating  # unknown: shared
    assert await directory.dedicated_keys() == ["tenant_abc"]


async def test_core_consumer_writes_to_the_core_database(h: Handles) -> None:
    recorder = Recorder("platform_listener", ("booking.confirmed",), database="core")
    tenant = uuid.uuid4()
    event_id = await emit(h.shared, "booking.confirmed", tenant_id=tenant)

    await local_pump(h, [recorder]).run_once()

    assert await effects(h.core, event_id) == 1
    assert await effects(h.shared, event_id) == 0
    assert await processed(h.core, event_id) == [("platform_listener", tenant)]


async def test_platform_event_reaches_a_tenant_consumer_unscoped(h: Handles) -> None:
    recorder = Recorder("listener", ("platform.notice",))
    event_id = await emit(h.core, "platform.notice")

    await local_pump(h, [recorder]).run_once()

    assert recorder.seen_tenants == [None]
    assert await effects(h.shared, event_id) == 1


def test_topic_patterns_match_like_nats_subjects() -> None:
    assert matches("booking.*", "booking.created")
    assert not matches("booking.*", "booking.renewal.due")
    assert matches("booking.>", "booking.renewal.due")
    assert not matches("booking.>", "booking")
    assert matches("*.created", "student.created")
    assert not matches("booking.created", "booking.created.v2")


async def _noop(event: Event, session: object) -> None:
    return None


@pytest.mark.parametrize(
    ("name", "topics"),
    [
        ("Booking", ("booking.created",)),
        ("booking-listener", ("booking.created",)),
        ("listener", ()),
        ("listener", "booking.created"),
        ("listener", ("booking.>.x",)),
        ("listener", ("Booking.created",)),
    ],
)
def test_malformed_consumer_declaration_is_refused(name: str, topics: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        Consumer(name, topics, _noop)


def test_two_consumers_with_one_name_are_refused(clean_dbs: DbSet) -> None:
    twice = [Consumer("same", ("a.b",), _noop), Consumer("same", ("c.d",), _noop)]
    with pytest.raises(ValueError, match="same"):
        Worker(clean_dbs.settings(), twice)
