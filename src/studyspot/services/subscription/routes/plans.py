"""Plans: every signed-in user reads the offered ones; platform admins edit them."""

from __future__ import annotations

from fastapi import APIRouter

from studyspot.kit.auth import CoreSession, CurrentPrincipal
from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import problem_responses
from studyspot.kit.scope import Actor
from studyspot.services.subscription import service
from studyspot.services.subscription.catalog import DEFAULT_PLANS
from studyspot.services.subscription.dependencies import PlanAdmin, RuntimeDep
from studyspot.services.subscription.schemas import (
    PlanCode,
    PlanCreate,
    PlanList,
    PlanRead,
    PlanRevised,
    PlanUpdate,
)

DEFAULT_CODES = frozenset(seed.code for seed in DEFAULT_PLANS)
router = APIRouter(prefix="/api/v1/subscriptions/plans", tags=["plans"])


@router.get("", response_model=PlanList, responses=problem_responses(401))
async def list_plans(
    session: CoreSession,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    include_hidden: bool = False,
) -> PlanList:
    """The current version of each plan offered (platform users may ask for hidden ones)."""
    hidden = include_hidden and principal.is_platform
    plans = await service.list_plans(session, include_hidden=hidden)
    if not any(
        p.code in DEFAULT_CODES for p in await service.list_plans(session, include_hidden=True)
    ):
        # A fresh database: seed the catalogue in a unit of work of its own (this one reads).
        async with unit_of_work(runtime.kit.core) as writer:
            await service.ensure_catalog(writer, runtime.now())
            plans = await service.list_plans(writer, include_hidden=hidden)
    return PlanList(items=[PlanRead.model_validate(p) for p in plans])


@router.post(
    "", status_code=201, response_model=PlanRead, responses=problem_responses(401, 403, 409, 422)
)
async def create_plan(
    body: PlanCreate, session: CoreSession, admin: PlanAdmin, runtime: RuntimeDep
) -> PlanRead:
    plan = await service.create_plan(session, body, Actor.of(admin), runtime.now())
    return PlanRead.model_validate(plan)


@router.patch(
    "/{code}", response_model=PlanRevised, responses=problem_responses(401, 403, 404, 409, 422)
)
async def revise_plan(
    code: PlanCode, body: PlanUpdate, session: CoreSession, admin: PlanAdmin, runtime: RuntimeDep
) -> PlanRevised:
    """A new version of the plan. Existing subscriptions keep the price and limits of
    the version they are on until their renewal; new ones start on this version."""
    await service.ensure_catalog(session, runtime.now())
    plan, older = await service.revise_plan(session, code, body, Actor.of(admin), runtime.now())
    return PlanRevised(
        plan=PlanRead.model_validate(plan),
        subscriptions_on_older_versions=older,
        note=(
            f"Version {plan.version} applies to new subscriptions now and to the "
            f"{older} existing ones at their next renewal; their price does not change before."
        ),
    )


@router.get(
    "/{code}/versions", response_model=PlanList, responses=problem_responses(401, 403, 404, 422)
)
async def plan_versions(code: PlanCode, session: CoreSession, admin: PlanAdmin) -> PlanList:
    return PlanList(
        items=[PlanRead.model_validate(p) for p in await service.plan_versions(session, code)]
    )
