"""Rules for fee plans: which branch offers them, what they cover, and when they may go.

"A plan in use can be deactivated, never deleted." A plan is in use once another
service sold it: booking and payment call `POST /internal/fee-plans/{id}/mark-used`
when they first take money or a booking on it, which sets `used_at` for good.
DELETE of a plan with `used_at` set is a 409 `fee_plan_in_use`; an unsold plan
(a draft, a typo) is deleted for real.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.errors import Unprocessable
from studyspot.kit.models import utcnow
from studyspot.kit.pagination import PageParams, paginate, sort_clause
from studyspot.services.library.access import Viewer
from studyspot.services.library.errors import (
    BranchForbidden,
    FeePlanInUse,
    FeePlanNotFound,
    LibraryNotFound,
)
from studyspot.services.library.limits import MAX_FEE_PLANS_PER_TENANT, check_count
from studyspot.services.library.models import FeePlan
from studyspot.services.library.repository import (
    FeePlanRepository,
    LibraryRepository,
    ShiftRepository,
)
from studyspot.services.library.schemas.fee_plans import (
    FeePlanCreate,
    FeePlanUpdate,
    check_coverage,
    check_duration,
)

_SORTABLE = {"name": FeePlan.name, "created_at": FeePlan.created_at, "price": FeePlan.price_paise}
ALL_LIBRARIES = "offer a plan at every library"


async def _check_shifts(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    library_id: uuid.UUID | None,
    shift_ids: Sequence[uuid.UUID],
) -> None:
    if not shift_ids:
        return
    if library_id is None:
        raise Unprocessable(
            "A plan for every library cannot name shifts",
            errors=[{"field": "body.shift_ids", "message": "shifts belong to one library"}],
        )
    found = await ShiftRepository(session, tenant_id).ids_in_library(library_id, shift_ids)
    missing = [str(s) for s in shift_ids if s not in found]
    if missing:
        raise Unprocessable(
            "Unknown shifts",
            errors=[
                {"field": "body.shift_ids", "message": f"{s} is not a shift of this library"}
                for s in missing
            ],
        )


async def create_fee_plan(
    session: AsyncSession, viewer: Viewer, body: FeePlanCreate
) -> tuple[FeePlan, list[uuid.UUID]]:
    if body.library_id is None:
        viewer.require_all_branches(ALL_LIBRARIES)
    else:
        library = await LibraryRepository(session, viewer.tenant_id).get(body.library_id)
        if library is None:
            raise Unprocessable(
                "Unknown library",
                errors=[{"field": "body.library_id", "message": "no such library"}],
            )
        viewer.check_library(library)
    await _check_shifts(session, viewer.tenant_id, body.library_id, body.shift_ids)
    await check_count(
        session,
        viewer.tenant_id,
        "fee_plans",
        select(func.count()).select_from(FeePlan).where(FeePlan.tenant_id == viewer.tenant_id),
        MAX_FEE_PLANS_PER_TENANT,
        "fee plans in a business",
    )
    values = body.model_dump(mode="json", exclude={"shift_ids", "library_id"})
    plan = FeePlan(
        **values,
        library_id=body.library_id,
        tenant_id=viewer.tenant_id,
        created_by=viewer.user_id,
    )
    session.add(plan)
    await session.flush()
    repo = FeePlanRepository(session, viewer.tenant_id)
    await repo.set_shifts(plan.id, body.shift_ids)
    await viewer.record(session, "fee_plan.created", "fee_plan", plan.id)
    return plan, sorted(body.shift_ids)


def _visible(viewer: Viewer, plan: FeePlan | None) -> FeePlan:
    if plan is None or (viewer.is_student and not plan.is_active):
        raise FeePlanNotFound()
    if plan.library_id is not None and not viewer.can_see(plan.library_id):
        raise BranchForbidden("This plan belongs to a branch you are not assigned to")
    return plan


async def get_fee_plan(
    session: AsyncSession, viewer: Viewer, plan_id: uuid.UUID
) -> tuple[FeePlan, list[uuid.UUID]]:
    repo = FeePlanRepository(session, viewer.tenant_id)
    plan = _visible(viewer, await repo.get(plan_id))
    return plan, (await repo.shift_ids([plan.id]))[plan.id]


async def list_fee_plans(
    session: AsyncSession,
    viewer: Viewer,
    paging: PageParams,
    *,
    library_id: uuid.UUID | None,
    is_active: bool | None,
    duration_unit: str | None,
    seat_type: str | None,
    sort: str | None,
) -> tuple[list[tuple[FeePlan, list[uuid.UUID]]], int]:
    """Plans offered at `library_id` (its own and the tenant-wide ones), or all visible plans."""
    repo = FeePlanRepository(session, viewer.tenant_id)
    query = repo.select()
    if library_id is not None:
        library = await LibraryRepository(session, viewer.tenant_id).get(library_id)
        if library is None:
            raise LibraryNotFound()
        viewer.check_library(library)
        query = query.where(or_(FeePlan.library_id == library_id, FeePlan.library_id.is_(None)))
    elif (visible := viewer.visible_library_ids) is not None:
        query = query.where(
            or_(FeePlan.library_id.in_(sorted(visible)), FeePlan.library_id.is_(None))
        )
    if viewer.is_student:
        query = query.where(FeePlan.is_active.is_(True))
    if is_active is not None:
        query = query.where(FeePlan.is_active.is_(is_active))
    if duration_unit is not None:
        query = query.where(FeePlan.duration_unit == duration_unit)
    if seat_type is not None:
        query = query.where(FeePlan.seat_type == seat_type)
    order = sort_clause(sort, _SORTABLE, [FeePlan.name, FeePlan.id])
    plans, total = await paginate(session, query, paging, order)
    shifts = await repo.shift_ids([p.id for p in plans])
    return [(p, shifts[p.id]) for p in plans], total


async def update_fee_plan(
    session: AsyncSession, viewer: Viewer, plan_id: uuid.UUID, body: FeePlanUpdate
) -> tuple[FeePlan, list[uuid.UUID]]:
    repo = FeePlanRepository(session, viewer.tenant_id)
    plan = _visible(viewer, await repo.get(plan_id, for_update=True))
    if plan.library_id is None:
        viewer.require_all_branches("change a plan offered at every library")
    changes = body.changes()
    current_shifts = (await repo.shift_ids([plan.id]))[plan.id]
    shift_ids = body.shift_ids if body.shift_ids is not None else current_shifts
    unit = changes.get("duration_unit", plan.duration_unit)
    value = changes.get("duration_value", plan.duration_value)
    full_day = changes.get("full_day", plan.full_day)
    if full_day and "full_day" in changes and body.shift_ids is None:
        # Switching to full day drops the shifts the plan used to cover.
        shift_ids = []
    try:
        check_duration(unit, value)
        check_coverage(full_day, shift_ids)
    except ValueError as exc:
        raise Unprocessable(
            "The plan is not consistent", errors=[{"field": "body", "message": str(exc)}]
        ) from exc
    await _check_shifts(session, viewer.tenant_id, plan.library_id, shift_ids)
    for key, val in changes.items():
        if key != "shift_ids":
            setattr(plan, key, val)
    if shift_ids != current_shifts:
        await repo.set_shifts(plan.id, shift_ids)
    await session.flush()
    if changes:
        await viewer.record(
            session, "fee_plan.updated", "fee_plan", plan.id, details={"fields": sorted(changes)}
        )
    return plan, sorted(shift_ids)


async def delete_fee_plan(session: AsyncSession, viewer: Viewer, plan_id: uuid.UUID) -> None:
    repo = FeePlanRepository(session, viewer.tenant_id)
    plan = _visible(viewer, await repo.get(plan_id))
    if plan.library_id is None:
        viewer.require_all_branches("delete a plan offered at every library")
    if plan.used_at is not None or not await repo.delete_if_unused(plan.id):
        raise FeePlanInUse()
    await viewer.record(
        session, "fee_plan.deleted", "fee_plan", plan_id, details={"name": plan.name}
    )


async def mark_used(
    session: AsyncSession, tenant_id: uuid.UUID, plan_id: uuid.UUID
) -> tuple[FeePlan, list[uuid.UUID]]:
    """An internal call from the service that sold the plan; idempotent."""
    repo = FeePlanRepository(session, tenant_id)
    if await repo.get(plan_id) is None:
        raise FeePlanNotFound()
    await repo.mark_used(plan_id, utcnow())
    return await internal_fee_plan(session, tenant_id, plan_id)


async def internal_fee_plan(
    session: AsyncSession, tenant_id: uuid.UUID, plan_id: uuid.UUID
) -> tuple[FeePlan, list[uuid.UUID]]:
    repo = FeePlanRepository(session, tenant_id)
    plan = await repo.get(plan_id)
    if plan is None:
        raise FeePlanNotFound()
    await session.refresh(plan)
    return plan, (await repo.shift_ids([plan.id]))[plan.id]
