"""`create_service_app`: the one way every service builds its FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi

from studyspot.kit.access_log import AccessLog
from studyspot.kit.auth import forget_all_identities, forget_identity
from studyspot.kit.db import Database, TenantDatabases
from studyspot.kit.errors import PROBLEM_JSON, Problem, install_error_handlers
from studyspot.kit.health import health_router
from studyspot.kit.heap import freeze_startup_objects, release_startup_objects
from studyspot.kit.identity_changes import IdentityChanges
from studyspot.kit.logging import configure_logging
from studyspot.kit.metrics import ServiceMetrics
from studyspot.kit.middleware import RequestContextMiddleware
from studyspot.kit.operator import OperatorAccess, require_operator
from studyspot.kit.service_auth import internal_callers
from studyspot.kit.settings import Settings, get_settings
from studyspot.kit.state import HealthCheck, KitState

Hook = Callable[[FastAPI], Awaitable[None]]


def create_service_app(
    service: str,
    routers: Sequence[APIRouter],
    *,
    settings: Settings | None = None,
    title: str | None = None,
    description: str = "",
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    checks: dict[str, HealthCheck] | None = None,
    uses_tenant_db: bool = True,
) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(service, settings.log_level, settings.log_json)
    metrics = ServiceMetrics(service)
    access_log = AccessLog(settings.log_level, json=settings.log_json)
    core = Database.create(
        settings.core_db_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        wait_seconds=settings.db_wait_seconds,
    )
    tenants = TenantDatabases(settings)
    state = KitState(service, settings, core, tenants, metrics)

    def forget_all() -> None:
        forget_all_identities()
        tenants.forget_routes()

    state.identity_changes = IdentityChanges(forget_identity, forget_all)
    tenants.routes_heard = lambda: state.identity_changes.listening
    state.checks["core_db"] = core.ping
    if uses_tenant_db:
        state.checks["tenant_db"] = tenants.shared.ping
    state.checks.update(checks or {})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Here rather than above: a service may include routers after this function returns.
        internal_callers(app)
        for hook in on_startup:
            await hook(app)
        if settings.identity_cache_seconds:
            state.identity_changes.start(settings.core_db_url)
        freeze_startup_objects()
        try:
            yield
        finally:
            release_startup_objects()
            await state.identity_changes.stop()
            for hook in on_shutdown:
                await hook(app)
            await tenants.dispose()
            await core.dispose()
            access_log.flush()

    app = FastAPI(
        title=title or f"StudySpot {service} service",
        description=description,
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.kit = state
    install_error_handlers(app)
    app.state.operator_access = OperatorAccess.from_settings(settings)
    app.include_router(health_router(service))
    # Not in the schema: an operator endpoint, not part of the API (kit/operator.py).
    app.add_api_route(
        "/metrics",
        metrics.endpoint,
        methods=["GET"],
        include_in_schema=False,
        dependencies=[Depends(require_operator)],
    )
    for router in routers:
        app.include_router(router)
    app.add_middleware(RequestContextMiddleware, metrics=metrics, access_log=access_log)
    install_problem_openapi(app)
    return app


_SECURED_PROBLEMS = {401: "Missing, expired or forged token", 403: "Permission denied"}


def install_problem_openapi(app: FastAPI) -> None:
    """Make the document say what the service really answers: problem+json for every error."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in problem.pop("$defs", {}).items():
            components[name] = sub
        components["Problem"] = problem
        ref = {"$ref": "#/components/schemas/Problem"}
        for ops in schema.get("paths", {}).values():
            for op in ops.values():
                responses = op.setdefault("responses", {})
                if op.get("security"):
                    for status, text in _SECURED_PROBLEMS.items():
                        responses.setdefault(str(status), {"description": text})
                if op.get("parameters") or op.get("requestBody"):
                    responses.setdefault("422", {"description": "Validation error"})
                if op.get("requestBody"):
                    # Only a JSON body can fail to parse as JSON: form and multipart bodies
                    # (webhooks, uploads) answer their own problems, documented by the route.
                    if "application/json" in op["requestBody"].get("content", {}):
                        responses.setdefault("400", {"description": "Body is not valid JSON"})
                    responses.setdefault("413", {"description": "Body too large"})
                responses.setdefault("500", {"description": "Unexpected error"})
                responses.setdefault("503", {"description": "Busy: retry after Retry-After"})
                for status, response in responses.items():
                    if status.isdigit() and int(status) >= 400:
                        response["content"] = {PROBLEM_JSON: {"schema": ref}}
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
