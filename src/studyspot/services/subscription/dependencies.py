"""Typed dependencies of the subscription routes: who may do what, and the runtime."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from studyspot.kit.auth import Principal, require_permission
from studyspot.kit.errors import Forbidden
from studyspot.services.subscription.runtime import Runtime, request_runtime

RuntimeDep = Annotated[Runtime, Depends(request_runtime)]


async def _platform(
    principal: Annotated[Principal, Depends(require_permission("subscriptions:read"))],
) -> Principal:
    if not principal.is_platform:
        raise Forbidden("Platform staff only", code="platform_only")
    return principal


async def _owner(
    principal: Annotated[Principal, Depends(require_permission("subscriptions:update"))],
) -> Principal:
    principal.require_tenant()
    return principal


async def _owner_read(
    principal: Annotated[Principal, Depends(require_permission("subscriptions:read"))],
) -> Principal:
    principal.require_tenant()
    return principal


# Tenant side: the owner (library_owner holds subscriptions:*).
OwnerRead = Annotated[Principal, Depends(_owner_read)]
OwnerWrite = Annotated[Principal, Depends(_owner)]
# Platform side: staff read, admins (who hold `*`) edit plans and record payments.
PlatformRead = Annotated[Principal, Depends(_platform)]
PlanAdmin = Annotated[Principal, Depends(require_permission("platform_plans:write"))]
PaymentAdmin = Annotated[Principal, Depends(require_permission("platform_payments:write"))]
