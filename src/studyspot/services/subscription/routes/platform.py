"""The platform's side: a tenant's subscription, manual payments, revenue."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from studyspot.kit.auth import CoreSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.scope import Actor
from studyspot.services.subscription import reporting, service
from studyspot.services.subscription.dependencies import (
    PaymentAdmin,
    PlanAdmin,
    PlatformRead,
    RuntimeDep,
)
from studyspot.services.subscription.routes.current import present, read_opening
from studyspot.services.subscription.schemas import (
    LimitsOverride,
    ManualPayment,
    RevenueRead,
    SubscriptionRead,
)

router = APIRouter(prefix="/api/v1/subscriptions", tags=["platform"])


@router.get(
    "/tenants/{tenant_id}",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def tenant_subscription(
    tenant_id: uuid.UUID, session: CoreSession, _: PlatformRead, runtime: RuntimeDep
) -> SubscriptionRead:
    return await read_opening(session, runtime, tenant_id)


@router.post(
    "/tenants/{tenant_id}/payments",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def record_payment(
    tenant_id: uuid.UUID,
    body: ManualPayment,
    session: CoreSession,
    admin: PaymentAdmin,
    runtime: RuntimeDep,
) -> SubscriptionRead:
    """A payment received outside Razorpay (bank transfer, an Enterprise invoice): it
    must be exactly the amount due, and starts a paid period at once."""
    sub = await service.get_subscription(session, tenant_id, runtime.now(), lock=True)
    await service.record_payment(
        session,
        sub,
        body.amount_paise,
        body.reference,
        Actor.of(admin),
        runtime.now(),
        runtime.config,
    )
    return await present(session, sub)


@router.patch(
    "/tenants/{tenant_id}/limits",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def override_limits(
    tenant_id: uuid.UUID,
    body: LimitsOverride,
    session: CoreSession,
    admin: PlanAdmin,
    runtime: RuntimeDep,
) -> SubscriptionRead:
    """Set this tenant's limits (null: unlimited); every service enforces them within a
    second. They last until the next renewal or plan change."""
    sub = await service.get_subscription(session, tenant_id, runtime.now(), lock=True)
    await service.override_limits(
        session, sub, body.model_dump(exclude_unset=True), Actor.of(admin)
    )
    return await present(session, sub)


@router.get("/revenue", response_model=RevenueRead, responses=problem_responses(401, 403, 422))
async def revenue(
    session: CoreSession,
    _: PlatformRead,
    months: Annotated[int, Query(ge=1, le=60, description="how many months back")] = 12,
) -> RevenueRead:
    """MRR now (each earning subscription's price over its cycle's months), ARR = 12 x MRR,
    and by month: new, expansion, contraction, churned and reactivated MRR, trials
    started and converted."""
    return await reporting.revenue(session, months)
