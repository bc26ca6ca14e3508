"""Service tokens for `/internal/*` routes: short-lived JWTs with their own audience.

A user's access token can never pass for a service token (different audience
and `type`), and the gateway routes no `/internal/*` path, so these routes are
reachable only from inside the deployment.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import Forbidden, Unauthorized
from studyspot.kit.settings import Settings
from studyspot.kit.state import kit_state
from studyspot.kit.tokens import ALGORITHM

INTERNAL_AUDIENCE = "studyspot-internal"


@dataclass(frozen=True)
class ServiceCaller:
    service: str
    tenant_id: uuid.UUID | None


def issue_service_token(settings: Settings, service: str, tenant_id: uuid.UUID | None) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": f"service:{service}",
        "type": "service",
        "tenantId": str(tenant_id) if tenant_id else None,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=60)).timestamp()),
        "iss": settings.jwt_issuer,
        "aud": INTERNAL_AUDIENCE,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(
        claims, settings.jwt_secret, algorithm=ALGORITHM, headers={"kid": settings.jwt_kid}
    )


_bearer = HTTPBearer(auto_error=False, scheme_name="ServiceToken")


async def service_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ServiceCaller:
    if credentials is None:
        raise Unauthorized("A service token is required", code="missing_token")
    settings = kit_state(request.app).settings
    header = {}
    try:
        header = jwt.get_unverified_header(credentials.credentials)
        key = settings.jwt_verification_keys().get(str(header.get("kid", settings.jwt_kid)))
        if key is None or header.get("alg") != ALGORITHM:
            raise jwt.InvalidTokenError("bad key")
        data = jwt.decode(
            credentials.credentials,
            key,
            algorithms=[ALGORITHM],
            audience=INTERNAL_AUDIENCE,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        if data.get("type") != "service":
            raise jwt.InvalidTokenError("not a service token")
        tenant = data.get("tenantId")
        return ServiceCaller(
            str(data["sub"]).removeprefix("service:"), uuid.UUID(tenant) if tenant else None
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthorized("The service token is invalid", code="invalid_token") from exc


InternalCaller = Annotated[ServiceCaller, Depends(service_caller)]


class TenantMismatch(Forbidden):
    code = "tenant_mismatch"

    def __init__(self) -> None:
        super().__init__("The service token acts for another tenant")


async def internal_tenant(
    caller: InternalCaller,
    tenant_id: Annotated[uuid.UUID, Query(description="The tenant the call is about")],
) -> uuid.UUID:
    """`?tenant_id=`, which a service token that names a tenant must name too."""
    if caller.tenant_id is not None and caller.tenant_id != tenant_id:
        raise TenantMismatch()
    return tenant_id


InternalTenant = Annotated[uuid.UUID, Depends(internal_tenant)]


@asynccontextmanager
async def internal_unit(
    request: Request, caller: ServiceCaller, tenant_id: uuid.UUID
) -> AsyncIterator[AsyncSession]:
    """A unit of work in the database of the tenant an internal call names (shared or its
    own), for routes that read the tenant from their body; 503 while that tenant moves."""
    if caller.tenant_id is not None and caller.tenant_id != tenant_id:
        raise TenantMismatch()
    state = kit_state(request.app)
    db = await state.tenants.for_tenant(state.core, tenant_id)
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        yield session


async def internal_session(
    request: Request, caller: InternalCaller, tenant_id: InternalTenant
) -> AsyncIterator[AsyncSession]:
    """`internal_unit` for `?tenant_id=`."""
    async with internal_unit(request, caller, tenant_id) as session:
        yield session


InternalSession = Annotated[AsyncSession, Depends(internal_session, scope="function")]
