"""The rules of the tenant service. Functions take the session and never commit."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database
from studyspot.kit.entitlements import entitlements_of
from studyspot.kit.models import utcnow
from studyspot.kit.pagination import PageParams, paginate, sort_clause
from studyspot.kit.scope import Actor
from studyspot.services.tenant import errors, slugs
from studyspot.services.tenant.actors import record
from studyspot.services.tenant.client import NewTenant
from studyspot.services.tenant.models import SERVING_STATUSES, Tenant
from studyspot.services.tenant.repository import TenantsRepository
from studyspot.services.tenant.schemas import TenantCreate
from studyspot.services.tenant.tenant_tables import tenant_row_counts

_SLUG_ATTEMPTS = 5
_SORTABLE = {"name": Tenant.name, "created_at": Tenant.created_at, "status": Tenant.status}
_DEFAULT_ORDER = (Tenant.created_at.desc(), Tenant.id.desc())


async def create_tenant(
    session: AsyncSession, data: NewTenant | TenantCreate, actor: Actor
) -> Tenant:
    """A new tenant, `active`. Its plan is its subscription's, which the subscription
    service opens on the trial plan for 14 days from `created_at`."""
    repo = TenantsRepository(session)
    now = utcnow()
    for _ in range(_SLUG_ATTEMPTS):
        tenant = Tenant(
            id=uuid.uuid4(),
            slug=slugs.new_slug(data.name),
            name=data.name,
            status="active",
            contact_email=str(data.contact_email).lower(),
            phone=data.phone,
            gstin=getattr(data, "gstin", None),
            created_at=now,
            updated_at=now,
        )
        if await repo.insert(tenant):
            await record(session, actor, "tenant.created", tenant.id, details={"slug": tenant.slug})
            return tenant
    raise errors.SlugUnavailable()


async def get_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    tenant = await TenantsRepository(session).get(tenant_id)
    if tenant is None:
        raise errors.TenantNotFound()
    return tenant


async def get_tenant_by_slug(session: AsyncSession, slug: str) -> Tenant:
    tenant = await TenantsRepository(session).get_by_slug(slug)
    if tenant is None:
        raise errors.TenantNotFound()
    return tenant


async def list_tenants(
    session: AsyncSession,
    params: PageParams,
    *,
    text: str | None,
    statuses: Collection[str],
    sort: str | None,
) -> tuple[list[Tenant], int]:
    query = TenantsRepository(session).search(text=text, statuses=statuses)
    order = sort_clause(sort, _SORTABLE, _DEFAULT_ORDER)
    return await paginate(session, query, params, order)


async def update_tenant(
    session: AsyncSession, tenant_id: uuid.UUID, changes: dict[str, Any], actor: Actor
) -> Tenant:
    """Apply the given fields (name, contact email, phone, GSTIN)."""
    repo = TenantsRepository(session)
    tenant = await get_tenant(session, tenant_id)
    for field, value in changes.items():
        setattr(tenant, field, value)
    if changes:
        tenant.updated_at = utcnow()
        await session.flush()
        await record(
            session, actor, "tenant.updated", tenant_id, details={"fields": sorted(changes)}
        )
    refreshed = await repo.get_fresh(tenant_id)
    if refreshed is None:
        raise errors.TenantNotFound()
    return refreshed


async def _explain_refusal(
    repo: TenantsRepository, tenant_id: uuid.UUID, *, suspending: bool
) -> None:
    """Raise the error that says why a conditional status change did not apply."""
    tenant = await repo.get_fresh(tenant_id)
    if tenant is None:
        raise errors.TenantNotFound()
    if tenant.status == "migrating":
        raise errors.tenant_migrating()
    if tenant.status == "closed":
        raise errors.tenant_closed()
    raise errors.already_suspended() if suspending else errors.not_suspended()


async def suspend_tenant(
    session: AsyncSession, tenant_id: uuid.UUID, reason: str, actor: Actor
) -> Tenant:
    """Suspend: every access token of the tenant stops working at its next request."""
    repo = TenantsRepository(session)
    won = await repo.transition(
        tenant_id,
        from_statuses=SERVING_STATUSES,
        status="suspended",
        suspended_at=utcnow(),
        suspension_reason=reason,
    )
    if not won:
        await _explain_refusal(repo, tenant_id, suspending=True)
    await record(session, actor, "tenant.suspended", tenant_id, details={"reason": reason})
    return await get_fresh_or_404(repo, tenant_id)


async def reactivate_tenant(session: AsyncSession, tenant_id: uuid.UUID, actor: Actor) -> Tenant:
    """Back to `active` (whether it is on trial, paid or overdue is its subscription's)."""
    repo = TenantsRepository(session)
    won = await repo.transition(
        tenant_id,
        from_statuses=("suspended",),
        status="active",
        suspended_at=None,
        suspension_reason=None,
    )
    if not won:
        await _explain_refusal(repo, tenant_id, suspending=False)
    await record(session, actor, "tenant.reactivated", tenant_id)
    return await get_fresh_or_404(repo, tenant_id)


async def get_fresh_or_404(repo: TenantsRepository, tenant_id: uuid.UUID) -> Tenant:
    tenant = await repo.get_fresh(tenant_id)
    if tenant is None:
        raise errors.TenantNotFound()
    return tenant


async def delete_new_tenant(
    session: AsyncSession,
    core: Database,
    shared: Database,
    tenant_id: uuid.UUID,
    actor: Actor,
) -> None:
    """Undo a signup: only an active tenant in the shared database, still on its trial (as
    the subscription service's entitlements say), that holds no data yet.

    Deleting a tenant that is already gone succeeds, so a retried compensation is harmless.
    """
    repo = TenantsRepository(session)
    tenant = await repo.get(tenant_id, for_update=True)
    if tenant is None:
        return
    if tenant.status not in SERVING_STATUSES or tenant.database_key is not None:
        raise errors.TenantInUse()
    if (await entitlements_of(core, tenant_id)).status != "trial":
        raise errors.TenantInUse()
    counts = await tenant_row_counts(shared, tenant_id)
    if any(counts.values()):
        raise errors.TenantInUse()
    if not await repo.delete_if(tenant_id, statuses=SERVING_STATUSES):
        raise errors.TenantInUse()
    await record(session, actor, "tenant.deleted", tenant_id, details={"slug": tenant.slug})
