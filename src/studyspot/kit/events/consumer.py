"""Consumers: what a service declares, and the idempotent way every event reaches one.

A service lists its consumers in `studyspot/services/<name>/consumers.py`:

    CONSUMERS = [Consumer("booking_on_payment", ("payment.captured",), on_payment_captured)]

The handler gets the event and a unit-of-work session of the database it
writes to: the event's tenant database (shared or dedicated, row-level
security scoped to the event's tenant on PostgreSQL) or the core database.
The event id is recorded in that database's `processed_events` in the same
transaction as the handler's writes, so a redelivered event finds its id and
is skipped, and a handler that raised left nothing behind and runs again.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, TenantDatabases, unit_of_work
from studyspot.kit.events.directory import TenantDirectory
from studyspot.kit.events.event import Event
from studyspot.kit.events.topics import check_pattern, matches
from studyspot.kit.models import processed_events, utcnow

Handler = Callable[[Event, AsyncSession], Awaitable[None]]
TargetDatabase = Literal["tenant", "core"]

# processed_events.consumer is 64 characters; no '-' so durable names stay unambiguous.
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Consumer:
    """A durable subscriber.

    `name` is permanent: it keys the processed-event ledger and the JetStream
    durable consumer, so renaming a consumer makes it start over. By
    convention it begins with the owning service (`booking_on_payment`).
    """

    name: str
    topics: tuple[str, ...]
    handler: Handler
    database: TargetDatabase = "tenant"

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"consumer name {self.name!r}: lower snake_case, at most 64")
        if isinstance(self.topics, str) or not self.topics:
            raise ValueError(f"consumer {self.name}: topics must be a non-empty tuple")
        for pattern in self.topics:
            check_pattern(pattern)
        if self.database not in ("tenant", "core"):
            raise ValueError(f"consumer {self.name}: database must be 'tenant' or 'core'")

    def wants(self, topic: str) -> bool:
        return any(matches(pattern, topic) for pattern in self.topics)


class RetryLater(Exception):
    """The event cannot be handled now but will be later; redeliver after a delay."""


class TenantMigrating(RetryLater):
    """The tenant is being moved to its own database; writing now could be lost."""


@dataclass
class Targets:
    """Turns (consumer, event) into the database and tenant scope the handler writes in."""

    core: Database
    tenants: TenantDatabases
    directory: TenantDirectory

    async def resolve(self, consumer: Consumer, event: Event) -> tuple[Database, uuid.UUID | None]:
        if consumer.database == "core":
            return self.core, None
        if event.tenant_id is None:
            # A platform-wide event for a tenant-side consumer: the shared
            # database, unscoped; the handler sees tenant_id None and decides.
            return self.tenants.shared, None
        placement = await self.directory.placement(event.tenant_id)
        if placement.migrating:
            raise TenantMigrating(str(event.tenant_id))
        return await self.tenants.get(placement.database_key), event.tenant_id


async def claim(session: AsyncSession, db: Database, consumer: str, event: Event) -> bool:
    """Record the event as processed by `consumer`; False if it already was.

    On PostgreSQL a concurrent claim of the same event waits for the first
    transaction and then finds the row, so two workers never both run it.
    """
    values = {
        "consumer": consumer,
        "event_id": event.id,
        "tenant_id": event.tenant_id,
        "processed_at": utcnow(),
    }
    insert = sqlite_insert if db.sqlite else pg_insert
    stmt = (
        insert(processed_events)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(processed_events.c.event_id)
    )
    return (await session.execute(stmt)).first() is not None


async def deliver(consumer: Consumer, event: Event, targets: Targets) -> bool:
    """Run the handler once for this event: True if it ran, False if already processed.

    Raises whatever the handler raised (nothing was committed) or RetryLater.
    """
    db, scope = await targets.resolve(consumer, event)
    async with unit_of_work(db, tenant_id=scope) as session:
        if not await claim(session, db, consumer.name, event):
            return False
        await consumer.handler(event, session)
    return True
