"""The plan's monthly message credits the tenant used this month (docs/subscriptions.md).

Read from the one counter the limit check moves (`message_credit_months`, credits.py), so
the figure is exactly what the next paid message is checked against."""

from __future__ import annotations

from fastapi import APIRouter

from studyspot.kit.auth import TenantSession
from studyspot.kit.entitlements import entitlements_of
from studyspot.kit.errors import problem_responses
from studyspot.services.message import credits
from studyspot.services.message.dependencies import RuntimeDep, SubscriptionReader
from studyspot.services.message.schemas import MonthlyCreditUsage

router = APIRouter(prefix="/api/messages/credits", tags=["credits"])


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
    tenant_id = who.require_tenant()
    dispatcher = runtime.dispatcher
    now = dispatcher.clock()
    limit = (await entitlements_of(dispatcher.kit.core, tenant_id)).limits.get("message_credits")
    return MonthlyCreditUsage(
        month=credits.month_of(now),
        used=await credits.used_this_month(session, tenant_id, now),
        limit=limit,
    )
