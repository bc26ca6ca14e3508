"""`/internal/*` of the library service: called by other services with a service token only."""

from __future__ import annotations

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Response

from studyspot.kit.errors import problem_responses
from studyspot.kit.service_auth import InternalSession, InternalTenant, accept_callers
from studyspot.services.library import fee_plans, staff
from studyspot.services.library.catalog_versions import catalog_etag
from studyspot.services.library.client import (
    BranchStaff,
    FeePlanRecord,
    LibraryCatalog,
    LibraryRecord,
    StaffRecord,
)
from studyspot.services.library.errors import LibraryNotFound
from studyspot.services.library.india import gst_state_code
from studyspot.services.library.repository import LibraryRepository
from studyspot.services.library.schemas.staff import StaffSelfUpdate

router = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)


@router.get(
    "/libraries/{library_id:uuid}",
    responses=problem_responses(403, 404),
    dependencies=[accept_callers("attendance", "community", "payment", "student")],
)
async def get_library(
    library_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession
) -> LibraryRecord:
    library = await LibraryRepository(session, tenant_id).get(library_id)
    if library is None:
        raise LibraryNotFound()
    return LibraryRecord(
        id=library.id,
        tenant_id=tenant_id,
        name=library.name,
        city=library.city,
        state=library.state,
        gst_state_code=gst_state_code(library.state),
        pincode=library.pincode,
        timezone=library.timezone,
        gstin=library.gstin,
        status="closed" if library.status == "closed" else "active",
    )


@router.get(
    "/staff/{staff_id:uuid}",
    responses=problem_responses(403, 404),
    dependencies=[
        accept_callers(
            "analytics",
            "attendance",
            "auth",
            "booking",
            "community",
            "message",
            "payment",
            "student",
        )
    ],
)
async def get_staff(
    staff_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession
) -> StaffRecord:
    return await staff.staff_record(session, tenant_id, staff_id)


@router.get(
    "/libraries/{library_id:uuid}/staff",
    responses=problem_responses(403),
    dependencies=[accept_callers("message")],
)
async def library_staff(
    library_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession
) -> BranchStaff:
    """The branch's active staff (none for a library the tenant does not have)."""
    return BranchStaff(items=await staff.staff_of_library(session, tenant_id, library_id))


@router.patch(
    "/staff/{staff_id:uuid}",
    responses=problem_responses(403, 404, 409),
    dependencies=[accept_callers("auth")],
)
async def update_staff_profile(
    staff_id: uuid.UUID, body: StaffSelfUpdate, tenant_id: InternalTenant, session: InternalSession
) -> StaffRecord:
    return await staff.update_own_profile(session, tenant_id, staff_id, body.changes())


def _record(plan_and_shifts: tuple[object, list[uuid.UUID]], tenant_id: uuid.UUID) -> FeePlanRecord:
    plan, shift_ids = plan_and_shifts
    return FeePlanRecord.model_validate(
        {
            **{k: getattr(plan, k) for k in FeePlanRecord.model_fields if hasattr(plan, k)},
            "tenant_id": tenant_id,
            "shift_ids": shift_ids,
        }
    )


@router.get(
    "/fee-plans/{fee_plan_id:uuid}",
    responses=problem_responses(403, 404),
    dependencies=[accept_callers("booking")],
)
async def get_fee_plan(
    fee_plan_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession
) -> FeePlanRecord:
    return _record(await fee_plans.internal_fee_plan(session, tenant_id, fee_plan_id), tenant_id)


@router.post(
    "/fee-plans/{fee_plan_id:uuid}/mark-used",
    responses=problem_responses(403, 404),
    dependencies=[accept_callers("booking")],
)
async def mark_fee_plan_used(
    fee_plan_id: uuid.UUID, tenant_id: InternalTenant, session: InternalSession
) -> FeePlanRecord:
    """The caller sold this plan: from now on it can be deactivated but not deleted."""
    return _record(await fee_plans.mark_used(session, tenant_id, fee_plan_id), tenant_id)


@router.get(
    "/libraries/{library_id}/catalog",
    response_model=LibraryCatalog,
    responses=problem_responses(403, 404),
    dependencies=[accept_callers("analytics", "booking")],
)
async def get_catalog(
    library_id: uuid.UUID,
    tenant_id: InternalTenant,
    session: InternalSession,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A library with its seats, shifts and the fee plans offered there: what a booking or
    an availability map needs from the library service, in one round trip (the booking
    service and analytics).

    With an `ETag`: the library's change counter and the tenant's fee-plan counter
    (kit/change_counters.py) in its database. A caller that kept the catalog sends it
    back in `If-None-Match` and is answered 304 without anything else being read, as
    long as nothing of the library, its seats, its shifts or the tenant's fee plans
    changed; a library deleted since moved the counter too (404).
    """
    etag = await catalog_etag(session, tenant_id, library_id)
    if if_none_match == etag:
        return Response(status_code=304, headers={"ETag": etag})
    repo = LibraryRepository(session, tenant_id)
    library = await repo.get(library_id)
    if library is None:
        raise LibraryNotFound()
    body = await repo.catalog(library)
    # asyncpg hands back its own UUID type, which orjson does not know: written as text.
    return Response(
        orjson.dumps(body, default=str), media_type="application/json", headers={"ETag": etag}
    )
