"""Deleting secrets that can never be used again: expired refresh tokens and one-time links,
and login failures and locks past their window (login throttling no longer prunes as it goes).

Every auth instance runs it (`AUTH_PRUNE_INTERVAL_SECONDS`): the deletes are
idempotent, so instances racing on the same rows only find less to do.

An expired refresh token is refused whatever its row says, so keeping it only
grows the table every login and refresh writes to; the same holds for reset and
invite links past their expiry. A day of grace keeps rows a clock a little
behind ours could still be arguing about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import delete, or_
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.models import outbox_events, utcnow
from studyspot.services.auth.client import LINK_TOPICS
from studyspot.services.auth.models import LoginFailure, LoginLock, OneTimeToken, RefreshToken

log = structlog.get_logger("studyspot.auth")

GRACE = timedelta(days=1)


@dataclass(frozen=True)
class Pruned:
    refresh_tokens: int
    one_time_tokens: int
    login_failures: int = 0
    login_locks: int = 0


async def prune_expired(
    session: AsyncSession, now: datetime, *, failure_window: timedelta = GRACE
) -> Pruned:
    """Delete refresh tokens and one-time tokens that expired more than a day before `now`,
    and login failures and locks that count for nothing any more."""
    before = now - GRACE
    refresh = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < before))
    links = await session.execute(delete(OneTimeToken).where(OneTimeToken.expires_at < before))
    failures = await session.execute(
        delete(LoginFailure).where(LoginFailure.created_at <= now - failure_window)
    )
    locks = await session.execute(delete(LoginLock).where(LoginLock.expires_at <= now))
    return Pruned(_count(refresh), _count(links), _count(failures), _count(locks))


# A delivered link event is kept this long: enough for a slow reader of the outbox.
DELIVERED_LINK_GRACE = timedelta(minutes=5)


async def prune_link_events(session: AsyncSession, now: datetime, max_age: timedelta) -> int:
    """Delete reset and invite events a few minutes after delivery, and undelivered ones
    older than any link lives: even sealed, a link secret has no business staying in the
    outbox (the kit's janitor keeps other published events for days)."""
    result = await session.execute(
        delete(outbox_events).where(
            outbox_events.c.topic.in_(LINK_TOPICS),
            or_(
                outbox_events.c.published_at < now - DELIVERED_LINK_GRACE,
                outbox_events.c.created_at < now - max_age,
            ),
        )
    )
    return _count(result)


async def prune_links_round(core: Database, max_age: timedelta) -> None:
    """One round of the link-event pruning (`studyspot.kit.periodic`)."""
    async with unit_of_work(core) as session:
        pruned = await prune_link_events(session, utcnow(), max_age)
    if pruned:
        log.info("auth.pruned_link_events", events=pruned)


def _count(result: object) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


async def prune_round(core: Database, failure_window: timedelta) -> None:
    """One round of the in-process pruning (`studyspot.kit.periodic`)."""
    async with unit_of_work(core) as session:
        pruned = await prune_expired(session, utcnow(), failure_window=failure_window)
    log.info(
        "auth.pruned_expired_tokens",
        refresh_tokens=pruned.refresh_tokens,
        one_time_tokens=pruned.one_time_tokens,
        login_failures=pruned.login_failures,
        login_locks=pruned.login_locks,
    )
