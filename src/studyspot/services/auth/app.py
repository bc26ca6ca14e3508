"""The auth service (port 3001): logins, sessions, passwords and profiles of every user type."""

from __future__ import annotations

from fastapi import FastAPI

from studyspot.kit import periodic
from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings, get_settings
from studyspot.kit.state import kit_state
from studyspot.services.auth import housekeeping, internal_routes, routes
from studyspot.services.auth.config import AuthSettings
from studyspot.services.auth.upstream import Upstream


def create_app(
    settings: Settings | None = None, auth_settings: AuthSettings | None = None
) -> FastAPI:
    settings = settings or get_settings()
    config = auth_settings or AuthSettings()
    upstream = Upstream.create(settings)

    async def start_pruning(app: FastAPI) -> None:
        if config.prune_interval_seconds:
            core = kit_state(app).core
            app.state.auth_pruning = periodic.start(
                lambda: housekeeping.prune_round(core),
                config.prune_interval_seconds,
                "auth_prune_expired_tokens",
            )

    async def stop(app: FastAPI) -> None:
        await periodic.stop(getattr(app.state, "auth_pruning", None))
        await upstream.close()

    app = create_service_app(
        "auth",
        [routes.auth_router, routes.users_router, routes.platform_router, internal_routes.router],
        settings=settings,
        description=(
            "Sign-up of library owners, logins of every user type, rotating refresh tokens, "
            "password reset and invites, and the caller's own profile."
        ),
        on_startup=[start_pruning],
        on_shutdown=[stop],
        uses_tenant_db=False,
    )
    app.state.auth_settings = config
    app.state.auth_upstream = upstream
    return app
