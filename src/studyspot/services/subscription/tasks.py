"""The lifecycle job: opens missing subscriptions, ends trials, moves unpaid renewals
through past due, grace, read-only and suspension.

Run once across all instances: a leader lease. Every instance offers every
`sweep_seconds`; only the holder of the job's lease row (or anyone once it expired,
`lease_seconds` after its holder's last round) wins the conditional UPDATE and runs the
round, renewing the lease; the others skip it. Each subscription is then changed under its row lock
(PostgreSQL) or the database's single write lock (SQLite), one unit of work per
tenant, so even a round that outlived its lease cannot move a tenant twice.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.models import utcnow
from studyspot.services.subscription.config import SubscriptionSettings
from studyspot.services.subscription.models import JobLease, Subscription
from studyspot.services.subscription.service import advance, open_missing

log = structlog.get_logger("studyspot.subscription")
JOB = "lifecycle"
_MOVING = ("trial", "active", "past_due", "grace", "read_only")


@dataclass
class Round:
    ran: bool
    opened: int = 0
    moved: dict[str, int] = field(default_factory=dict)


@dataclass
class Lifecycle:
    core: Database
    config: SubscriptionSettings
    clock: Callable[[], datetime] = utcnow
    holder: str = field(default_factory=lambda: f"{os.getpid()}-{uuid.uuid4().hex[:8]}")
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def acquire(self, now: datetime) -> bool:
        until = now + timedelta(seconds=self.config.lease_seconds)
        async with unit_of_work(self.core) as session:
            won = await session.execute(
                update(JobLease)
                .where(
                    JobLease.name == JOB,
                    or_(JobLease.locked_until <= now, JobLease.holder == self.holder),
                )
                .values(holder=self.holder, locked_until=until, last_run_at=now)
            )
            if won.rowcount:  # type: ignore[attr-defined]
                return True
            try:
                async with session.begin_nested():
                    session.add(
                        JobLease(name=JOB, holder=self.holder, locked_until=until, last_run_at=now)
                    )
            except IntegrityError:
                return False  # held by another instance
            return True

    async def run_once(self) -> Round:
        now = self.clock()
        if not await self.acquire(now):
            return Round(ran=False)
        return await self._round(now)

    async def _round(self, now: datetime) -> Round:
        result = Round(ran=True)
        async with unit_of_work(self.core) as session:
            result.opened = await open_missing(
                session, now, limit=10_000, trial_days=self.config.trial_days
            )
        async with unit_of_work(self.core, read_only=True) as session:
            tenants = list(
                (
                    await session.scalars(
                        select(Subscription.tenant_id).where(Subscription.status.in_(_MOVING))
                    )
                ).all()
            )
        for tenant_id in tenants:
            async with unit_of_work(self.core) as session:
                sub = await session.scalar(
                    select(Subscription)
                    .where(Subscription.tenant_id == tenant_id)
                    .with_for_update()
                )
                if sub is None:
                    continue
                moved = await advance(session, sub, now, self.config)
            if moved:
                result.moved[moved] = result.moved.get(moved, 0) + 1
        return result

    async def run(self) -> None:
        while not self.stop.is_set():
            try:
                await asyncio.wait_for(self.stop.wait(), timeout=self.config.sweep_seconds)
                return
            except TimeoutError:
                pass
            try:
                done = await self.run_once()
                if done.ran and (done.opened or done.moved):
                    log.info("subscription_lifecycle", opened=done.opened, moved=done.moved)
            except Exception:
                log.exception("subscription_lifecycle_failed")
