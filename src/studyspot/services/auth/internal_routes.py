"""`/internal/credentials`: the student and library services manage their users' logins.

`/internal/owners`: the message service finds whom to tell about the tenant's own account
(trial ending, platform billing)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response

from studyspot.kit.errors import problem_responses
from studyspot.kit.service_auth import InternalCaller, accept_callers
from studyspot.services.auth import credentials, profiles
from studyspot.services.auth.client import (
    CredentialCreate,
    CredentialCreated,
    CredentialRead,
    CredentialTable,
    CredentialUpdate,
    OwnerContact,
    SetPasswordLink,
)
from studyspot.services.auth.dependencies import AuthConfig, AuthSession, LinkBoxDep

router = APIRouter(prefix="/internal/credentials", tags=["internal"], include_in_schema=False)
# The services that own the profiles behind these logins (credentials.py checks which table).
_OWNERS = accept_callers("student", "library")


@router.post("", status_code=201, responses=problem_responses(403, 409), dependencies=[_OWNERS])
async def create_credential(
    body: CredentialCreate, caller: InternalCaller, session: AuthSession
) -> CredentialCreated:
    return await credentials.create(session, caller, body)


@router.patch(
    "/{user_table}/{user_id}",
    responses=problem_responses(403, 404, 409),
    dependencies=[_OWNERS],
)
async def update_credential(
    user_table: CredentialTable,
    user_id: uuid.UUID,
    body: CredentialUpdate,
    caller: InternalCaller,
    session: AuthSession,
) -> CredentialRead:
    return await credentials.update(session, caller, user_table, user_id, body)


@router.post(
    "/{user_table}/{user_id}/set-password-link",
    status_code=202,
    response_class=Response,
    responses=problem_responses(403, 404, 409),
    dependencies=[_OWNERS],
)
async def send_set_password_link(
    user_table: CredentialTable,
    user_id: uuid.UUID,
    body: SetPasswordLink,
    caller: InternalCaller,
    session: AuthSession,
    config: AuthConfig,
    box: LinkBoxDep,
) -> Response:
    ttl = timedelta(seconds=config.invite_ttl_seconds)
    await credentials.send_set_password_link(
        session, caller, user_table, user_id, body.tenant_id, ttl=ttl, box=box
    )
    return Response(status_code=202)


@router.delete(
    "/{user_table}/{user_id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403),
    dependencies=[_OWNERS],
)
async def delete_credential(
    user_table: CredentialTable,
    user_id: uuid.UUID,
    tenant_id: Annotated[uuid.UUID, Query()],
    caller: InternalCaller,
    session: AuthSession,
) -> Response:
    await credentials.erase(session, caller, user_table, user_id, tenant_id)
    return Response(status_code=204)


owners_router = APIRouter(prefix="/internal/owners", tags=["internal"], include_in_schema=False)


@owners_router.get("", dependencies=[accept_callers("message")])
async def tenant_owners(
    tenant_id: Annotated[uuid.UUID, Query()], caller: InternalCaller, session: AuthSession
) -> list[OwnerContact]:
    """The tenant's active owners, oldest first (an unknown tenant has none)."""
    return await profiles.tenant_owners(session, tenant_id)
