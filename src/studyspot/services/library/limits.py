"""Platform plan limits (libraries, seats per tenant), safe against concurrent creation.

The limit comes from the subscription (the kit's entitlement check) before any lock is taken; the count and
the insert then happen under a per-tenant lock, so two owners' tabs creating
the last allowed seat at once cannot both succeed.
"""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.entitlements import Entitlements, LimitName, check_limit


async def lock_quota(session: AsyncSession, tenant_id: uuid.UUID, what: str) -> None:
    """Serialise quota checks of one tenant until the transaction ends.

    PostgreSQL: a transaction-level advisory lock keyed by tenant and quota.
    SQLite: nothing to do, the unit of work already holds the single write lock
    (BEGIN IMMEDIATE) from its first statement.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"library:{what}:{tenant_id}".encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def check_quota(what: LimitName, used: int, adding: int, entitlements: Entitlements) -> None:
    """403 `plan_limit_reached` past the plan's allowance; a warning header from 80 %."""
    check_limit(entitlements, what, used, adding)
