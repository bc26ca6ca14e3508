"""The catalog's version: what its ETag names, and how a caller reads it itself.

A library's catalog (seats, shifts, the fee plans offered there) changes only when a
row of it does, and triggers count those changes (kit/change_counters.py): one counter
per library, and one per tenant for its fee plans, since a plan may be offered at every
library. The library service answers the catalog with an ETag naming both; a caller
that keeps catalogs reads the same two counters in its own transaction, in the same
tenant database, and uses its kept catalog without asking while they read the same
(`LibraryClient.catalog_if_current`).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.change_counters import counter_table, database_name, versions_of

# Bumped by triggers at every change of a library, its seats or its shifts (migration
# tenant_library_0002), and of the tenant's fee plans (tenant_library_0003).
catalog_versions = counter_table("library_catalog_versions")


def fee_plan_counter_key(tenant_id: uuid.UUID) -> uuid.UUID:
    """The row of `catalog_versions` the tenant's fee plans bump: plans may be offered at
    every library, so their changes are counted once per tenant, under the tenant's id
    (migration tenant_library_0003)."""
    return tenant_id


async def catalog_etag(session: AsyncSession, tenant_id: uuid.UUID, library_id: uuid.UUID) -> str:
    """The ETag of the library's catalog as of the session's transaction."""
    library_version, plans_version = await versions_of(
        session, catalog_versions, tenant_id, [library_id, fee_plan_counter_key(tenant_id)]
    )
    return f'"{database_name(session)}.{library_version}.{plans_version}"'
