"""A job a service runs inside its own process every few seconds or hours.

Each round is awaited before the next sleep starts (rounds never overlap), a
failed round is logged and the next one tries again, and stopping cancels the
sleep or the round in hand. Several instances of a service each run their own:
the jobs using this are written to be harmless when they race.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger("studyspot.periodic")


def start(
    job: Callable[[], Awaitable[None]], interval_seconds: float, name: str
) -> asyncio.Task[None]:
    """Run `job` every `interval_seconds`, the first time one interval from now."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await job()
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
