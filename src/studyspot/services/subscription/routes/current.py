"""The caller's tenant's subscription: read it, choose a plan, upgrade, downgrade, cancel."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import CoreSession, Principal
from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import problem_responses
from studyspot.kit.scope import Actor
from studyspot.services.subscription import service
from studyspot.services.subscription.dependencies import OwnerRead, OwnerWrite, RuntimeDep
from studyspot.services.subscription.models import Subscription
from studyspot.services.subscription.periods import QUOTE_HOLDS_MINUTES
from studyspot.services.subscription.runtime import Runtime
from studyspot.services.subscription.schemas import (
    PendingUpgrade,
    PlanChoice,
    Quote,
    SubscriptionRead,
    UpgradeQuoteRequest,
    UpgradeRequest,
)

router = APIRouter(prefix="/api/v1/subscriptions/current", tags=["subscription"])


_COMPUTED = ("amount_due_paise", "pending_upgrade")


async def present(session: AsyncSession, sub: Subscription) -> SubscriptionRead:
    due = await service.amount_due(session, sub)
    waiting = await service.pending_upgrade(session, sub)
    fields = {f: getattr(sub, f) for f in SubscriptionRead.model_fields if f not in _COMPUTED}
    return SubscriptionRead.model_validate(
        {
            **fields,
            "amount_due_paise": due,
            "pending_upgrade": PendingUpgrade.model_validate(waiting) if waiting else None,
        }
    )


async def read_opening(
    session: AsyncSession, runtime: Runtime, tenant_id: uuid.UUID
) -> SubscriptionRead:
    """For a GET (read-only unit of work): open the subscription in a unit of its own first
    when the tenant has none yet."""
    sub = await session.scalar(select(Subscription).where(Subscription.tenant_id == tenant_id))
    if sub is None:
        async with unit_of_work(runtime.kit.core) as writer:
            return await present(
                writer,
                await service.get_subscription(
                    writer, tenant_id, runtime.now(), trial_days=runtime.config.trial_days
                ),
            )
    return await present(session, sub)


@router.get("", response_model=SubscriptionRead, responses=problem_responses(401, 403))
async def current(session: CoreSession, owner: OwnerRead, runtime: RuntimeDep) -> SubscriptionRead:
    """The plan, limits, status and period of the caller's tenant, and what is due."""
    return await read_opening(session, runtime, owner.require_tenant())


async def _mine(session: AsyncSession, owner: Principal, runtime: Runtime) -> Subscription:
    return await service.get_subscription(
        session,
        owner.require_tenant(),
        runtime.now(),
        lock=True,
        trial_days=runtime.config.trial_days,
    )


@router.post(
    "/plan", response_model=SubscriptionRead, responses=problem_responses(401, 403, 404, 409, 422)
)
async def choose_plan(
    body: PlanChoice, session: CoreSession, owner: OwnerWrite, runtime: RuntimeDep
) -> SubscriptionRead:
    """On trial or lapsed: the plan and cycle the next payment starts (`amount_due_paise`)."""
    sub = await _mine(session, owner, runtime)
    await service.choose_plan(session, sub, body.plan_code, body.billing_cycle, Actor.of(owner))
    return await present(session, sub)


@router.post(
    "/upgrade/quote", response_model=Quote, responses=problem_responses(401, 403, 404, 409, 422)
)
async def quote_upgrade(
    body: UpgradeQuoteRequest, session: CoreSession, owner: OwnerWrite, runtime: RuntimeDep
) -> Quote:
    """What upgrading now costs: the unused part of the period credited at the old price
    and charged at the new one, each to the paisa. Changes nothing."""
    sub = await _mine(session, owner, runtime)
    now = runtime.now()
    plan, quote = await service.quote_upgrade(session, sub, body.plan_code, now)
    assert sub.current_period_start and sub.current_period_end
    return Quote(
        from_plan=sub.plan_code,
        to_plan=plan.code,
        billing_cycle=sub.billing_cycle,
        old_price_paise=sub.price_paise,
        new_price_paise=plan.price(sub.billing_cycle),
        period_start=sub.current_period_start,
        period_end=sub.current_period_end,
        period_seconds=quote.period_seconds,
        remaining_seconds=quote.remaining_seconds,
        credit_paise=quote.credit_paise,
        charge_paise=quote.charge_paise,
        amount_due_paise=quote.amount_due_paise,
        quoted_at=now,
        valid_until=now + timedelta(minutes=QUOTE_HOLDS_MINUTES),
    )


@router.post(
    "/upgrade",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def upgrade(
    body: UpgradeRequest, session: CoreSession, owner: OwnerWrite, runtime: RuntimeDep
) -> SubscriptionRead:
    """Confirm the quoted upgrade (409 `quote_changed` if the amount moved). The plan
    applies once its amount is paid (`pending_upgrade` until then): online through
    `POST /current/upgrade/checkout` within `upgrade_checkout_minutes`, or, for a tenant
    paying by invoice, when a platform admin records the payment of the invoice issued now
    (payable until the period ends). Unpaid by then it lapses; nothing else changes."""
    sub = await _mine(session, owner, runtime)
    await service.upgrade(
        session,
        sub,
        body.plan_code,
        body.expected_amount_paise,
        Actor.of(owner),
        runtime.now(),
        runtime.config,
        body.quoted_at,
    )
    return await present(session, sub)


@router.post(
    "/downgrade",
    response_model=SubscriptionRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def downgrade(
    body: PlanChoice, session: CoreSession, owner: OwnerWrite, runtime: RuntimeDep
) -> SubscriptionRead:
    """Move to another plan at the end of the period."""
    sub = await _mine(session, owner, runtime)
    await service.downgrade(session, sub, body.plan_code, body.billing_cycle, Actor.of(owner))
    return await present(session, sub)


@router.post("/cancel", response_model=SubscriptionRead, responses=problem_responses(401, 403, 409))
async def cancel(session: CoreSession, owner: OwnerWrite, runtime: RuntimeDep) -> SubscriptionRead:
    """Cancel at the end of the period: the tenant then continues on the Free plan."""
    sub = await _mine(session, owner, runtime)
    await service.cancel(session, sub, Actor.of(owner))
    return await present(session, sub)


@router.post(
    "/reactivate", response_model=SubscriptionRead, responses=problem_responses(401, 403, 409)
)
async def reactivate(
    session: CoreSession, owner: OwnerWrite, runtime: RuntimeDep
) -> SubscriptionRead:
    """Undo a scheduled cancellation or downgrade."""
    sub = await _mine(session, owner, runtime)
    await service.reactivate(session, sub, Actor.of(owner))
    return await present(session, sub)
