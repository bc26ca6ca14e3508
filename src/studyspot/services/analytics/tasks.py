"""Rebuilding the read models of every tenant (`studyspot analytics rebuild`)."""

from __future__ import annotations

import uuid

from studyspot.kit.db import Database, TenantDatabases, unit_of_work
from studyspot.kit.settings import Settings
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.analytics.projection import RebuildReport, rebuild


async def rebuild_tenants(
    core: Database, tenants: TenantDatabases, only: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, RebuildReport]]:
    """One transaction per tenant: its read models are never seen half rebuilt."""
    done: list[tuple[uuid.UUID, RebuildReport]] = []
    for home in await tenant_homes(core):
        if only is not None and home.tenant_id != only:
            continue
        db = await tenants.get(home.database_key)
        async with unit_of_work(db, tenant_id=home.tenant_id) as session:
            done.append((home.tenant_id, await rebuild(session, home.tenant_id)))
    return done


async def rebuild_all(
    settings: Settings, only: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, RebuildReport]]:
    core = Database.create(settings.core_db_url, pool_size=2, max_overflow=0)
    tenants = TenantDatabases(settings)
    try:
        return await rebuild_tenants(core, tenants, only)
    finally:
        await tenants.dispose()
        await core.dispose()
