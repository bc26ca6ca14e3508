"""Limits on what a tenant creates, safe against concurrent creation: the platform plan's
(libraries, seats per tenant) and fixed ones (fee plans per tenant, shifts per library).

The limit comes from the subscription (the kit's entitlement check) before any lock is taken; the count and
the insert then happen under a per-tenant lock, so two owners' tabs creating
the last allowed seat at once cannot both succeed.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.entitlements import Entitlements, LimitName, check_limit
from studyspot.kit.locks import lock_until_commit
from studyspot.services.library.errors import CountLimitReached

# What an owner makes by hand, bounded whatever the platform plan: every booking reads the
# library's catalog, which carries its shifts and the plans offered there, so neither may
# grow without end. Far above what a study library uses (4-6 shifts, 5-30 plans).
MAX_FEE_PLANS_PER_TENANT = 200
MAX_SHIFTS_PER_LIBRARY = 24


async def lock_quota(session: AsyncSession, tenant_id: uuid.UUID, what: str) -> None:
    """Serialise quota checks of one tenant until the transaction ends (kit/locks.py)."""
    await lock_until_commit(session, "library", what, tenant_id)


def check_quota(what: LimitName, used: int, adding: int, entitlements: Entitlements) -> None:
    """403 `plan_limit_reached` past the plan's allowance; a warning header from 80 %."""
    check_limit(entitlements, what, used, adding)


async def check_count(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    lock: str,
    counted: Select[int],
    limit: int,
    label: str,
) -> None:
    """409 `count_limit_reached` ("At most `limit` `label`") when `counted` already reaches
    `limit`; counted under the tenant's lock named `lock`, so two creations at once cannot
    pass it together."""
    await lock_quota(session, tenant_id, lock)
    if (await session.scalar(counted) or 0) >= limit:
        raise CountLimitReached(label, limit)
