"""Service tokens for `/internal/*` routes: short-lived JWTs naming the calling service.

Each service signs its tokens with its own Ed25519 key (`SERVICE_PRIVATE_KEY`,
`kid` = its name) and the callee verifies with that service's public key from
`SERVICE_PUBLIC_KEYS`. So a service whose secrets leak can speak only as
itself: it cannot sign for another service, and it holds nothing that signs a
user's access token (auth's key, kit/tokens.py). Every `/internal` route names
the callers it accepts (`accept_callers`); any other caller is 403, and an
application with an internal route that names none refuses to start.

A user's access token can never pass for a service token (other keys,
audience and `type`), and the gateway routes no `/internal/*` path, so these
routes are reachable only from inside the deployment.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import SAFE_METHODS, unit_of_work
from studyspot.kit.errors import Forbidden, Unauthorized

# Signing and verifying live in kit/service_tokens.py; callers keep importing them here.
from studyspot.kit.service_tokens import INTERNAL_AUDIENCE as INTERNAL_AUDIENCE
from studyspot.kit.service_tokens import ServiceCaller as ServiceCaller
from studyspot.kit.service_tokens import issue_service_token as issue_service_token
from studyspot.kit.service_tokens import verify_service_token as verify_service_token
from studyspot.kit.state import kit_state

_bearer = HTTPBearer(auto_error=False, scheme_name="ServiceToken")


async def service_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ServiceCaller:
    if credentials is None:
        raise Unauthorized("A service token is required", code="missing_token")
    return kit_state(request.app).service_tokens.caller(credentials.credentials)


InternalCaller = Annotated[ServiceCaller, Depends(service_caller)]


class CallerNotAccepted(Forbidden):
    code = "caller_not_accepted"


def accept_callers(*services: str) -> Any:
    """Route dependency: only these services may call (403 `caller_not_accepted` otherwise).

    `@router.get("/internal/x", dependencies=[accept_callers("booking", "payment")])`
    """
    accepted = frozenset(services)
    if not accepted:
        raise ValueError("an internal route accepts at least one caller")

    async def accepted_caller(caller: InternalCaller) -> ServiceCaller:
        if caller.service not in accepted:
            raise CallerNotAccepted(f"The {caller.service} service may not call this route")
        return caller

    accepted_caller.accepted_callers = accepted  # type: ignore[attr-defined]
    return Depends(accepted_caller)


def _accepted(dependant: Dependant) -> frozenset[str] | None:
    for sub in dependant.dependencies:
        found = getattr(sub.call, "accepted_callers", None)
        if isinstance(found, frozenset):
            return found
        nested = _accepted(sub)
        if nested is not None:
            return nested
    return None


def internal_callers(app: FastAPI) -> dict[tuple[str, str], frozenset[str]]:
    """(method, path) → accepted callers of every `/internal` route of `app`.

    Raises RuntimeError for a route that names none: without a list, any service
    holding any key could call it.
    """
    table: dict[tuple[str, str], frozenset[str]] = {}
    # Routes of included routers are only reachable through their effective contexts.
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not isinstance(route.original_route, APIRoute) or not path.startswith("/internal"):
            continue
        accepted = _accepted(route.dependant)
        if accepted is None:
            raise RuntimeError(f"{path} names no accepted callers (accept_callers)")
        for method in route.methods or ():
            table[(method, re.sub(r":\w+}", "}", path))] = accepted
    return table


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
    read_only = request.method in SAFE_METHODS
    async with unit_of_work(db, tenant_id=tenant_id, read_only=read_only) as session:
        yield session


async def internal_session(
    request: Request, caller: InternalCaller, tenant_id: InternalTenant
) -> AsyncIterator[AsyncSession]:
    """`internal_unit` for `?tenant_id=`."""
    async with internal_unit(request, caller, tenant_id) as session:
        yield session


InternalSession = Annotated[AsyncSession, Depends(internal_session, scope="function")]
