"""Housekeeping: published outbox rows and old processed-event ids are pruned.

The processed-event ledger is kept much longer than the outbox: a duplicate
can still arrive after JetStream's duplicate window (a relay that died
between the stream's ack and marking the row re-publishes on restart), and
the ledger is what turns it into a no-op.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import delete

from studyspot.kit import periodic
from studyspot.kit.db import unit_of_work
from studyspot.kit.events.config import EventSettings
from studyspot.kit.events.pump import describe, sleep_or_stop
from studyspot.kit.events.sources import Sources
from studyspot.kit.models import outbox_events, processed_events, utcnow

log = structlog.get_logger("studyspot.events")


@dataclass
class Pruned:
    outbox: int = 0
    processed: int = 0


class Janitor:
    def __init__(self, sources: Sources, config: EventSettings, stop: asyncio.Event) -> None:
        self.sources = sources
        self.config = config
        self.stop = stop

    async def prune_once(self) -> Pruned:
        now = utcnow()
        outbox_cutoff = now - timedelta(days=self.config.outbox_retention_days)
        processed_cutoff = now - timedelta(days=self.config.processed_retention_days)
        total = Pruned()
        for source in await self.sources.all():
            try:
                db = await self.sources.database(source)
                async with unit_of_work(db) as session:
                    outbox = await session.execute(
                        delete(outbox_events).where(outbox_events.c.published_at < outbox_cutoff)
                    )
                    processed = await session.execute(
                        delete(processed_events).where(
                            processed_events.c.processed_at < processed_cutoff
                        )
                    )
            except Exception as exc:
                log.error("events.prune_failed", source=source.name, error=describe(exc))
                continue
            total.outbox += outbox.rowcount or 0  # type: ignore[attr-defined]
            total.processed += processed.rowcount or 0  # type: ignore[attr-defined]
        if total.outbox or total.processed:
            log.info("events.pruned", outbox=total.outbox, processed=total.processed)
        return total

    async def run(self) -> None:
        while not self.stop.is_set():
            try:
                await periodic.once(
                    self.sources.core,
                    "events_janitor",
                    self.config.janitor_interval_seconds,
                    self.prune_once,
                )
            except Exception as exc:
                # E.g. the core database is down while listing dedicated ones; try next time.
                log.error("events.prune_failed", source="*", error=describe(exc))
            if await sleep_or_stop(self.stop, self.config.janitor_interval_seconds):
                break
