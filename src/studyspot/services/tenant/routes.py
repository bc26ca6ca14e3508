"""`/api/v1/tenants`: platform administration of tenants, and an owner's own tenant."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from studyspot.kit.auth import CoreSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, PageParams, Paging, capped_paging
from studyspot.kit.state import kit_state
from studyspot.services.tenant import moving, tenants
from studyspot.services.tenant.audit_logs import MAX_OFFSET_ROWS, AuditFilters, list_audit_logs
from studyspot.services.tenant.client import TenantStatus
from studyspot.services.tenant.dependencies import (
    AuditReader,
    OwnTenantReader,
    OwnTenantUpdater,
    TenantsCreator,
    TenantsMover,
    TenantsReader,
    TenantsSuspender,
    TenantsUpdater,
    actor,
    audit_cursor,
    audit_scope,
)
from studyspot.services.tenant.schemas import (
    AuditLogPage,
    AuditLogRead,
    IsoDateTime,
    OwnTenantRead,
    SuspendRequest,
    TenantCreate,
    TenantOwnerUpdate,
    TenantRead,
    TenantSort,
)

router = APIRouter(prefix="/api/v1/tenants", tags=["tenants"])


# /me first: "me" is not a tenant id.
@router.get("/me", responses=problem_responses(404))
async def read_own_tenant(principal: OwnTenantReader, session: CoreSession) -> OwnTenantRead:
    """The caller's own tenant (library owners)."""
    tenant = await tenants.get_tenant(session, principal.require_tenant())
    return OwnTenantRead.model_validate(tenant)


@router.patch("/me", responses=problem_responses(404))
async def update_own_tenant(
    body: TenantOwnerUpdate, principal: OwnTenantUpdater, session: CoreSession, request: Request
) -> OwnTenantRead:
    """Change the own tenant's name, contact email, phone or GSTIN."""
    tenant = await tenants.update_tenant(
        session, principal.require_tenant(), body.changes(), actor(principal, request)
    )
    return OwnTenantRead.model_validate(tenant)


@router.get("")
async def list_tenants(
    _: TenantsReader,
    session: CoreSession,
    paging: Paging,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="Part of the name, slug or contact email"),
    ] = None,
    status: Annotated[list[TenantStatus] | None, Query(description="One or more statuses")] = None,
    sort: Annotated[TenantSort | None, Query(description="Default: newest first")] = None,
) -> Page[TenantRead]:
    rows, total = await tenants.list_tenants(
        session, paging, text=q, statuses=status or (), sort=sort
    )
    return Page(
        items=[TenantRead.model_validate(t) for t in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("", status_code=201, responses=problem_responses(409))
async def create_tenant(
    body: TenantCreate, principal: TenantsCreator, session: CoreSession, request: Request
) -> TenantRead:
    """A new tenant (the owner signs up through the auth service instead); its subscription
    starts on the trial plan in the subscription service."""
    tenant = await tenants.create_tenant(session, body, actor(principal, request))
    return TenantRead.model_validate(tenant)


@router.get("/{tenant_id}", responses=problem_responses(404))
async def read_tenant(tenant_id: uuid.UUID, _: TenantsReader, session: CoreSession) -> TenantRead:
    return TenantRead.model_validate(await tenants.get_tenant(session, tenant_id))


@router.patch("/{tenant_id}", responses=problem_responses(404))
async def update_tenant(
    tenant_id: uuid.UUID,
    body: TenantOwnerUpdate,
    principal: TenantsUpdater,
    session: CoreSession,
    request: Request,
) -> TenantRead:
    """Change a tenant's name, contact email, phone or GSTIN. Its plan, trial and limits
    are its subscription's (limits: `PATCH /api/v1/subscriptions/tenants/{tenant_id}/limits`)."""
    tenant = await tenants.update_tenant(
        session, tenant_id, body.changes(), actor(principal, request)
    )
    return TenantRead.model_validate(tenant)


@router.post("/{tenant_id}/suspend", responses=problem_responses(404, 409))
async def suspend_tenant(
    tenant_id: uuid.UUID,
    body: SuspendRequest,
    principal: TenantsSuspender,
    session: CoreSession,
    request: Request,
) -> TenantRead:
    """Suspend an active tenant: its users' tokens stop working and logins fail."""
    tenant = await tenants.suspend_tenant(
        session, tenant_id, body.reason, actor(principal, request)
    )
    return TenantRead.model_validate(tenant)


@router.post("/{tenant_id}/reactivate", responses=problem_responses(404, 409))
async def reactivate_tenant(
    tenant_id: uuid.UUID, principal: TenantsSuspender, session: CoreSession, request: Request
) -> TenantRead:
    tenant = await tenants.reactivate_tenant(session, tenant_id, actor(principal, request))
    return TenantRead.model_validate(tenant)


@router.post("/{tenant_id}/dedicated-database", responses=problem_responses(404, 409, 500))
async def move_to_dedicated_database(
    tenant_id: uuid.UUID, principal: TenantsMover, request: Request
) -> TenantRead:
    """Option A: give the tenant its own database, move its rows there and route it there.

    While the move runs the tenant's users get 503 `tenant_migrating`. If anything
    fails the move is undone (the tenant stays in the shared database) and the
    answer is a 500 `dedicated_database_failed`.
    """
    tenant = await moving.move_to_dedicated(
        kit_state(request.app), tenant_id, actor(principal, request)
    )
    return TenantRead.model_validate(tenant)


@router.get("/{tenant_id}/audit-logs", responses=problem_responses(404, 422))
async def read_audit_logs(
    tenant_id: uuid.UUID,
    principal: AuditReader,
    session: CoreSession,
    paging: Annotated[PageParams, Depends(capped_paging(MAX_OFFSET_ROWS))],
    request: Request,
    after: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="`next_after` of the previous page: the entries after it (then `page` "
            "must be 1)",
        ),
    ] = None,
    action: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=r"^[a-z0-9_.:-]+$")
    ] = None,
    outcome: Annotated[str | None, Query(min_length=1, max_length=16, pattern=r"^[a-z_]+$")] = None,
    since: Annotated[IsoDateTime | None, Query(description="Inclusive lower bound")] = None,
    until: Annotated[IsoDateTime | None, Query(description="Exclusive upper bound")] = None,
) -> AuditLogPage:
    """Newest first, from the core database and the tenant's own database.

    Read on with `?after=<next_after>`: every page then costs the same. `page`
    reaches only the first 10,000 entries (422 `page_too_deep` beyond).
    """
    listed = await list_audit_logs(
        session,
        kit_state(request.app).tenants,
        audit_scope(principal, tenant_id),
        AuditFilters(action=action, outcome=outcome, since=since, until=until),
        paging,
        after=audit_cursor(after, paging),
    )
    return AuditLogPage(
        items=[AuditLogRead.model_validate(r) for r in listed.rows],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
        next_after=listed.next_after,
    )
