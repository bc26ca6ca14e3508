"""The auth service (port 3001): logins, sessions, passwords and profiles of every user type."""

from __future__ import annotations

from fastapi import FastAPI

from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.auth import internal_routes, routes
from studyspot.services.auth.config import AuthSettings
from studyspot.services.auth.upstream import Upstream


def create_app(
    settings: Settings | None = None, auth_settings: AuthSettings | None = None
) -> FastAPI:
    settings = settings or get_settings()
    upstream = Upstream.create(settings)

    async def close_clients(_: FastAPI) -> None:
        await upstream.close()

    app = create_service_app(
        "auth",
        [routes.auth_router, routes.users_router, routes.platform_router, internal_routes.router],
        settings=settings,
        description=(
            "Sign-up of library owners, logins of every user type, rotating refresh tokens, "
            "password reset and invites, and the caller's own profile."
        ),
        on_shutdown=[close_clients],
        uses_tenant_db=False,
    )
    app.state.auth_settings = auth_settings or AuthSettings()
    app.state.auth_upstream = upstream
    return app
