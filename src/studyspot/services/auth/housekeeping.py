"""Deleting secrets that can never be used again: expired refresh tokens and one-time links.

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
from sqlalchemy import delete
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.models import utcnow
from studyspot.services.auth.models import OneTimeToken, RefreshToken

log = structlog.get_logger("studyspot.auth")

GRACE = timedelta(days=1)


@dataclass(frozen=True)
class Pruned:
    refresh_tokens: int
    one_time_tokens: int


async def prune_expired(session: AsyncSession, now: datetime) -> Pruned:
    """Delete refresh tokens and one-time tokens that expired more than a day before `now`."""
    before = now - GRACE
    refresh = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < before))
    links = await session.execute(delete(OneTimeToken).where(OneTimeToken.expires_at < before))
    return Pruned(_count(refresh), _count(links))


def _count(result: object) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


async def prune_round(core: Database) -> None:
    """One round of the in-process pruning (`studyspot.kit.periodic`)."""
    async with unit_of_work(core) as session:
        pruned = await prune_expired(session, utcnow())
    log.info(
        "auth.pruned_expired_tokens",
        refresh_tokens=pruned.refresh_tokens,
        one_time_tokens=pruned.one_time_tokens,
    )
