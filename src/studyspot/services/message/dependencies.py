"""Typed dependencies of the message routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from studyspot.kit.auth import CurrentPrincipal, Principal, require_permission
from studyspot.kit.db import Database
from studyspot.kit.errors import Forbidden
from studyspot.kit.permissions import UserType
from studyspot.kit.state import kit_state
from studyspot.services.message.runtime import Runtime, request_runtime

RuntimeDep = Annotated[Runtime, Depends(request_runtime)]

# The delivery log names every recipient of the tenant (owner included): owners only.
DeliveriesRead = Annotated[Principal, Depends(require_permission("messages:manage"))]
# The tenant's templates and suppressions: owners.
MessagesManage = Annotated[Principal, Depends(require_permission("messages:manage"))]
# A student's guardian consent: read with messages:read, asked again with messages:create.
MessagesRead = Annotated[Principal, Depends(require_permission("messages:read"))]
MessagesCreate = Annotated[Principal, Depends(require_permission("messages:create"))]
# What the tenant uses of its plan, beside its subscription: the owner's.
SubscriptionReader = Annotated[Principal, Depends(require_permission("subscriptions:read"))]


async def tenant_user(principal: CurrentPrincipal) -> Principal:
    """Any signed-in user of a tenant, for their own feed and choices."""
    principal.require_tenant()
    return principal


TenantUser = Annotated[Principal, Depends(tenant_user)]


def may_act_for(principal: Principal, user_id: uuid.UUID, permission: str) -> None:
    """A person acts on their own consent; staff need `permission` to act for others."""
    if principal.user_id != user_id and not principal.can(permission):
        raise Forbidden(f"Missing permission {permission}", code="permission_denied")


async def platform_admin(principal: CurrentPrincipal) -> Principal:
    if principal.user_type != UserType.platform_admin:
        raise Forbidden(
            "Only platform admins read the development mailbox", code="permission_denied"
        )
    return principal


PlatformAdmin = Annotated[Principal, Depends(platform_admin)]


async def tenant_database(request: Request, principal: CurrentPrincipal) -> Database:
    """The caller's tenant database, for work that opens its own units of work (it asks
    another service first)."""
    return await kit_state(request.app).tenants.get(principal.db_key)


TenantDatabase = Annotated[Database, Depends(tenant_database)]
