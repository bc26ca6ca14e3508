"""The plan's monthly message credits a tenant used this month (docs/subscriptions.md):
the owner's own, and any tenant's for the platform's staff (its tenant page).

Read from the one counter the limit check moves (`message_credit_months`, credits.py), so
the figure is exactly what the next paid message is checked against."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import Principal, TenantSession, require_permission
from studyspot.kit.db import unit_of_work
from studyspot.kit.entitlements import entitlements_of
from studyspot.kit.errors import Forbidden, problem_responses
from studyspot.kit.state import kit_state
from studyspot.services.message import credits
from studyspot.services.message.dependencies import RuntimeDep, SubscriptionReader
from studyspot.services.message.runtime import Runtime
from studyspot.services.message.schemas import MonthlyCreditUsage

router = APIRouter(prefix="/api/messages/credits", tags=["credits"])


async def _platform_staff(
    principal: Annotated[Principal, Depends(require_permission("subscriptions:read"))],
) -> Principal:
    if not principal.is_platform:
        raise Forbidden("Platform staff only", code="platform_only")
    return principal


PlatformReader = Annotated[Principal, Depends(_platform_staff)]


async def _usage(
    session: AsyncSession, tenant_id: uuid.UUID, runtime: Runtime
) -> MonthlyCreditUsage:
    dispatcher = runtime.dispatcher
    now = dispatcher.clock()
    limit = (await entitlements_of(dispatcher.kit.core, tenant_id)).limits.get("message_credits")
    return MonthlyCreditUsage(
        month=credits.month_of(now),
        used=await credits.used_this_month(session, tenant_id, now),
        limit=limit,
    )


@router.get(
    "/month",
    response_model=MonthlyCreditUsage,
    responses=problem_responses(401, 403),
    summary="This month's use of the plan's message credits (owners, subscriptions:read)",
)
async def monthly_usage(
    who: SubscriptionReader, session: TenantSession, runtime: RuntimeDep
) -> MonthlyCreditUsage:
    """One credit per paid message (SMS or WhatsApp with a price) taken for sending in the
    month, India time; `limit` is the plan's (or the tenant's override), null: unlimited."""
    return await _usage(session, who.require_tenant(), runtime)


@router.get(
    "/{tenant_id}/month",
    response_model=MonthlyCreditUsage,
    responses=problem_responses(401, 403, 404),
    summary="A tenant's use of its plan's message credits this month (platform staff)",
)
async def tenant_monthly_usage(
    tenant_id: uuid.UUID, _: PlatformReader, runtime: RuntimeDep, request: Request
) -> MonthlyCreditUsage:
    """As `GET /month` answers its owner; 404 `tenant_not_found` for an unknown tenant."""
    kit = kit_state(request.app)
    db = await kit.tenants.for_tenant(kit.core, tenant_id)
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        return await _usage(session, tenant_id, runtime)
