"""`/api/fee-plans`: what students buy, per library or for every library of the tenant."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Response

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Page, Paging
from studyspot.services.library import fee_plans as service
from studyspot.services.library.dependencies import (
    FeePlansCreator,
    FeePlansDeleter,
    FeePlansReader,
    FeePlansUpdater,
)
from studyspot.services.library.schemas.fee_plans import (
    DurationUnit,
    FeePlanCreate,
    FeePlanRead,
    FeePlanUpdate,
    PlanSeatType,
)

router = APIRouter(prefix="/api/fee-plans", tags=["fee plans"])

FeePlanSort = Literal["name", "-name", "price", "-price", "created_at", "-created_at"]


@router.post("", status_code=201, responses=problem_responses(400, 403, 409))
async def create_fee_plan(
    body: FeePlanCreate, viewer: FeePlansCreator, session: TenantSession
) -> FeePlanRead:
    """A plan for one library (`library_id`) or, by the owner, for every library (null).
    At most 200 plans per business, active or not: 409 `count_limit_reached` beyond."""
    plan, shift_ids = await service.create_fee_plan(session, viewer, body)
    return FeePlanRead.of(plan, shift_ids)


@router.get("", responses=problem_responses(403, 404))
async def list_fee_plans(
    viewer: FeePlansReader,
    session: TenantSession,
    paging: Paging,
    library_id: uuid.UUID | None = None,
    is_active: bool | None = None,
    duration_unit: DurationUnit | None = None,
    seat_type: PlanSeatType | None = None,
    sort: FeePlanSort | None = None,
) -> Page[FeePlanRead]:
    """With `library_id`: the plans offered there (its own and the tenant-wide ones)."""
    items, total = await service.list_fee_plans(
        session,
        viewer,
        paging,
        library_id=library_id,
        is_active=is_active,
        duration_unit=duration_unit,
        seat_type=seat_type,
        sort=sort,
    )
    return Page(
        items=[FeePlanRead.of(p, s) for p, s in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/{fee_plan_id:uuid}", responses=problem_responses(403, 404))
async def get_fee_plan(
    fee_plan_id: uuid.UUID, viewer: FeePlansReader, session: TenantSession
) -> FeePlanRead:
    plan, shift_ids = await service.get_fee_plan(session, viewer, fee_plan_id)
    return FeePlanRead.of(plan, shift_ids)


@router.patch("/{fee_plan_id:uuid}", responses=problem_responses(400, 403, 404))
async def update_fee_plan(
    fee_plan_id: uuid.UUID, body: FeePlanUpdate, viewer: FeePlansUpdater, session: TenantSession
) -> FeePlanRead:
    """Change a plan; `is_active: false` stops selling it (a sold plan is never deleted)."""
    plan, shift_ids = await service.update_fee_plan(session, viewer, fee_plan_id, body)
    return FeePlanRead.of(plan, shift_ids)


@router.delete("/{fee_plan_id:uuid}", status_code=204, responses=problem_responses(403, 404, 409))
async def delete_fee_plan(
    fee_plan_id: uuid.UUID, viewer: FeePlansDeleter, session: TenantSession
) -> Response:
    """Delete a plan never sold. 409 `fee_plan_in_use` once sold: deactivate it instead."""
    await service.delete_fee_plan(session, viewer, fee_plan_id)
    return Response(status_code=204)
