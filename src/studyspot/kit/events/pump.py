"""Reads unpublished outbox rows and hands them, in order, to a sink.

The sink is the JetStream publisher when NATS_URL is set, the local
dispatcher (every consumer in this process) otherwise. A row is marked
`published_at` once the sink accepted it; a row the sink refused is retried
later with exponential backoff; nothing is marked before it was delivered, so
a crash anywhere in between only causes a redelivery.

Completeness does not depend on `seq` order: on PostgreSQL a transaction that
took a lower `seq` can commit after a higher one, so every cycle asks again
for all rows still unpublished instead of remembering a position.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.exc import StatementError

from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.events.config import EventSettings
from studyspot.kit.events.event import Event
from studyspot.kit.events.sources import Source, Sources
from studyspot.kit.models import outbox_events, utcnow

log = structlog.get_logger("studyspot.events")


# From this many failed attempts on, a failure is logged as an error: someone must look.
PERSISTENT_FAILURE = 10


class Unavailable(Exception):
    """The sink cannot take anything right now (broker down); no event is to blame."""


class Sink(Protocol):
    name: str

    async def deliver(self, event: Event) -> None:
        """Return once the event is safely handed over; raise otherwise."""


def describe(exc: BaseException) -> str:
    """An error for a log line: never the SQL parameters, which can carry payload secrets."""
    if isinstance(exc, StatementError) and exc.orig is not None:
        # The driver's message names the problem; str(exc) would add the SQL and its values.
        return f"{type(exc).__name__}: {str(exc.orig)[:200]}"
    text = str(exc)
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep, waking early on stop; True if stopping."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0))
    except TimeoutError:
        return False
    return True


@dataclass(frozen=True)
class Pending:
    """An unpublished outbox row."""

    seq: int
    attempts: int
    event: Event


@dataclass
class CycleResult:
    delivered: int = 0
    failed: int = 0
    unavailable: bool = False


_COLUMNS = (
    outbox_events.c.seq,
    outbox_events.c.id,
    outbox_events.c.tenant_id,
    outbox_events.c.topic,
    outbox_events.c.payload,
    outbox_events.c.created_at,
    outbox_events.c.attempts,
)


class OutboxPump:
    def __init__(
        self,
        sources: Sources,
        sink: Sink,
        config: EventSettings,
        stop: asyncio.Event | None = None,
    ) -> None:
        self.sources = sources
        self.sink = sink
        self.config = config
        self.stop = stop or asyncio.Event()

    async def _due(self, db: Database) -> list[Pending]:
        query = (
            select(*_COLUMNS)
            .where(
                outbox_events.c.published_at.is_(None),
                or_(
                    outbox_events.c.next_attempt_at.is_(None),
                    outbox_events.c.next_attempt_at <= utcnow(),
                ),
            )
            .order_by(outbox_events.c.seq)
            .limit(self.config.batch_size)
        )
        # The reader: on SQLite it reads a snapshot without taking the write lock,
        # which the handlers need.
        async with db.reader.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [Pending(r.seq, r.attempts, Event.from_row(r)) for r in rows]

    async def _mark_published(self, db: Database, seqs: list[int]) -> None:
        if not seqs:
            return
        async with unit_of_work(db) as session:
            await session.execute(
                update(outbox_events)
                .where(outbox_events.c.seq.in_(seqs))
                .values(published_at=utcnow())
            )

    async def _postpone(self, db: Database, row: Pending) -> float:
        attempts = row.attempts + 1
        delay = self.config.retry_delay(attempts)
        async with unit_of_work(db) as session:
            await session.execute(
                update(outbox_events)
                .where(outbox_events.c.seq == row.seq)
                .values(attempts=attempts, next_attempt_at=utcnow() + timedelta(seconds=delay))
            )
        return delay

    async def drain(self, source: Source) -> CycleResult:
        """One batch of one outbox.

        A refused event is postponed and the batch goes on: one bad event (or
        a tenant being moved) must not hold up everyone else's. Only a sink
        that is down altogether ends the batch.
        """
        result = CycleResult()
        db = await self.sources.database(source)
        rows = await self._due(db)
        done: list[int] = []
        try:
            for row in rows:
                if self.stop.is_set():
                    break
                event = row.event
                try:
                    await self.sink.deliver(event)
                except Unavailable as exc:
                    result.unavailable = True
                    log.warning("events.sink_unavailable", sink=self.sink.name, error=describe(exc))
                    break
                except Exception as exc:
                    result.failed += 1
                    delay = await self._postpone(db, row)
                    report = log.error if row.attempts + 1 >= PERSISTENT_FAILURE else log.warning
                    report(
                        "events.delivery_failed",
                        sink=self.sink.name,
                        source=source.name,
                        event_id=str(event.id),
                        topic=event.topic,
                        attempts=row.attempts + 1,
                        retry_in_seconds=round(delay, 2),
                        error=describe(exc),
                    )
                    continue
                done.append(row.seq)
        finally:
            await self._mark_published(db, done)
        result.delivered = len(done)
        if done:
            log.info("events.delivered", sink=self.sink.name, source=source.name, count=len(done))
        return result

    async def run_once(self) -> CycleResult:
        """One pass over every outbox."""
        total = CycleResult()
        for source in await self.sources.all():
            if self.stop.is_set():
                break
            try:
                part = await self.drain(source)
            except Exception as exc:
                # One unreachable database must not stop the others' events.
                log.error("events.source_failed", source=source.name, error=describe(exc))
                total.failed += 1
                continue
            total.delivered += part.delivered
            total.failed += part.failed
            if part.unavailable:
                total.unavailable = True
                break
        return total

    async def run(self) -> None:
        idle = self.config.poll_min_seconds
        unavailable_streak = 0
        while not self.stop.is_set():
            try:
                result = await self.run_once()
            except Exception as exc:
                log.error("events.pump_failed", sink=self.sink.name, error=describe(exc))
                result = CycleResult(unavailable=True)
            if result.unavailable:
                unavailable_streak += 1
                wait = self.config.retry_delay(unavailable_streak)
                wait = min(max(wait, self.config.poll_min_seconds), 30.0)
            else:
                unavailable_streak = 0
                if result.delivered or result.failed:
                    idle = self.config.poll_min_seconds
                    # More may be waiting behind this batch: go again at once.
                    if result.delivered:
                        continue
                else:
                    idle = min(idle * 2, self.config.poll_max_seconds)
                wait = idle
            if await sleep_or_stop(self.stop, wait):
                break
