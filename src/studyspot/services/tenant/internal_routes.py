"""`/internal/tenants`: called by other services with a service token, never via the gateway."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from studyspot.kit.auth import CoreSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.scope import Actor
from studyspot.kit.service_auth import InternalCaller, accept_callers
from studyspot.kit.state import kit_state
from studyspot.services.tenant import tenants
from studyspot.services.tenant.client import NewTenant, TenantRecord
from studyspot.services.tenant.slugs import SLUG_PATTERN

router = APIRouter(prefix="/internal/tenants", tags=["internal"], include_in_schema=False)


# Signup runs in auth: only auth makes and (on a failed signup) removes tenants.
@router.post(
    "", status_code=201, responses=problem_responses(409), dependencies=[accept_callers("auth")]
)
async def create_tenant(
    body: NewTenant, caller: InternalCaller, session: CoreSession
) -> TenantRecord:
    tenant = await tenants.create_tenant(session, body, Actor.of_service(caller.service))
    return TenantRecord.model_validate(tenant)


# Declared before /{tenant_id} so that "by-slug" is not read as an id.
@router.get("/by-slug", responses=problem_responses(404), dependencies=[accept_callers("auth")])
async def get_tenant_by_slug(
    slug: Annotated[str, Query(min_length=1, max_length=64, pattern=SLUG_PATTERN)],
    _: InternalCaller,
    session: CoreSession,
) -> TenantRecord:
    return TenantRecord.model_validate(await tenants.get_tenant_by_slug(session, slug))


@router.get(
    "/{tenant_id}",
    responses=problem_responses(404),
    dependencies=[accept_callers("library", "payment", "student")],
)
async def get_tenant(tenant_id: uuid.UUID, _: InternalCaller, session: CoreSession) -> TenantRecord:
    return TenantRecord.model_validate(await tenants.get_tenant(session, tenant_id))


@router.delete(
    "/{tenant_id}",
    status_code=204,
    responses=problem_responses(409),
    dependencies=[accept_callers("auth")],
)
async def delete_tenant(
    tenant_id: uuid.UUID, caller: InternalCaller, session: CoreSession, request: Request
) -> Response:
    state = kit_state(request.app)
    await tenants.delete_new_tenant(
        session, state.core, state.tenants.shared, tenant_id, Actor.of_service(caller.service)
    )
    return Response(status_code=204)
