"""Who may call what: typed principal aliases for the tenant service's routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from studyspot.kit.auth import Principal, require_any_permission, require_permission
from studyspot.kit.errors import Unprocessable
from studyspot.kit.pagination import PageParams, Position
from studyspot.kit.scope import Actor
from studyspot.services.tenant.errors import TenantNotFound

# Platform team (the permission table gives these to platform roles only).
TenantsReader = Annotated[Principal, Depends(require_permission("tenants:read"))]
TenantsCreator = Annotated[Principal, Depends(require_permission("tenants:create"))]
TenantsUpdater = Annotated[Principal, Depends(require_permission("tenants:update"))]
TenantsSuspender = Annotated[Principal, Depends(require_permission("tenants:suspend"))]
TenantsMover = Annotated[Principal, Depends(require_permission("tenants:move_database"))]
# An owner on its own tenant.
OwnTenantReader = Annotated[Principal, Depends(require_permission("tenant:read"))]
OwnTenantUpdater = Annotated[Principal, Depends(require_permission("tenant:update"))]
# Platform admins and staff on any tenant; an owner on its own.
AuditReader = Annotated[Principal, Depends(require_any_permission("audit:read"))]


def actor(principal: Principal, request: Request) -> Actor:
    return Actor.of(principal, request.client.host if request.client else None)


def audit_scope(principal: Principal, tenant_id: uuid.UUID) -> uuid.UUID:
    """A tenant user may read only its own tenant's log; another tenant is a 404."""
    if not principal.is_platform and principal.tenant_id != tenant_id:
        raise TenantNotFound()
    return tenant_id


def audit_cursor(after: str | None, paging: PageParams) -> Position | None:
    """The position `?after=` names; a cursor counts from itself, so it goes with page 1 only."""
    if after is None:
        return None
    if paging.page != 1:
        raise Unprocessable(
            "Give either `after` or `page`, not both",
            code="cursor_with_page",
            errors=[{"field": "query.page", "message": "must be 1 with `after`"}],
        )
    return Position.decode(after)
