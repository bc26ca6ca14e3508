"""A job a service runs every few seconds or hours, once per period across its instances.

Each round is awaited before the next sleep starts (rounds never overlap in one
process), a failed round is logged and the next one tries again, and stopping
cancels the sleep or the round in hand.

Every instance of a service runs the loop; `turn` decides which one runs a round.
On PostgreSQL the round's runner holds a session advisory lock keyed by the job's
name while the round lasts (a round still running elsewhere means skip), and claims
the period in the core database's `periodic_job_runs`: a round of the same job
started less than `CLAIM_SLACK` periods ago, by any instance, means skip. When the
instance that has been running a job stops, another one takes it within a period.
On SQLite (the embedded deployment: one process per service) every round runs.
Which process owns which job: docs/architecture.md, "Background jobs".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog
from sqlalchemy import text

from studyspot.kit.db import Database

log = structlog.get_logger("studyspot.periodic")

# First key of the jobs' advisory locks (the second is the job name's hash), apart from
# the transaction-level locks that services take per tenant or library.
LOCK_SPACE = 0x53_50_4A_42
# An instance's own next round comes a full period (plus its round's length) after its
# last one; another instance's clock or timer may run a little ahead.
CLAIM_SLACK = 0.9

_TRY_LOCK = text("SELECT pg_try_advisory_lock(:space, hashtext(:name))")
_UNLOCK = text("SELECT pg_advisory_unlock(:space, hashtext(:name))")
# Atomic across instances: a concurrent claim waits for the row and then finds it taken.
_CLAIM = text(
    "INSERT INTO periodic_job_runs (name, started_at) VALUES (:name, clock_timestamp()) "
    "ON CONFLICT (name) DO UPDATE SET started_at = EXCLUDED.started_at "
    "WHERE periodic_job_runs.started_at <= EXCLUDED.started_at - make_interval(secs => :gap) "
    "RETURNING name"
)


@contextlib.asynccontextmanager
async def turn(core: Database, name: str, period_seconds: float) -> AsyncIterator[bool]:
    """Whether this process runs `name`'s round now; on PostgreSQL its lock is held until
    the block ends."""
    if core.sqlite:
        yield True
        return
    key = {"space": LOCK_SPACE, "name": name}
    async with core.engine.connect() as conn:
        locked = (await conn.execute(_TRY_LOCK, key)).scalar()
        await conn.commit()
        if not locked:
            yield False
            return
        try:
            claimed = (
                await conn.execute(_CLAIM, {"name": name, "gap": period_seconds * CLAIM_SLACK})
            ).first()
            await conn.commit()
            yield claimed is not None
        finally:
            try:
                await conn.execute(_UNLOCK, key)
                await conn.commit()
            except Exception as exc:
                # A session lock outlives the round on a pooled connection: close it instead.
                log.warning("periodic_unlock_failed", job=name, error=type(exc).__name__)
                await conn.invalidate()


async def once(
    core: Database, name: str, period_seconds: float, job: Callable[[], Awaitable[object]]
) -> bool:
    """Run `job` if this process has `name`'s turn for this period; whether it ran."""
    async with turn(core, name, period_seconds) as mine:
        if mine:
            await job()
        return mine


def start(
    job: Callable[[], Awaitable[object]],
    interval_seconds: float,
    name: str,
    *,
    core: Database | None = None,
) -> asyncio.Task[None]:
    """Run `job` every `interval_seconds`, the first time one interval from now: in the
    instance that has the turn (`core`: where the turns are claimed), or in this process
    whatever the others do (None: for work of the process itself)."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                if core is None:
                    await job()
                else:
                    await once(core, name, interval_seconds, job)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic_job_failed", job=name)

    return asyncio.create_task(loop(), name=name)


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
