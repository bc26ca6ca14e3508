"""The auth service (port 3001): logins, sessions, passwords and profiles of every user type."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from studyspot.kit import periodic
from studyspot.kit.app import create_service_app
from studyspot.kit.models import utcnow
from studyspot.kit.settings import Settings, get_settings
from studyspot.kit.state import kit_state
from studyspot.services.auth import housekeeping, internal_routes, jwks, routes
from studyspot.services.auth.client import DEV_LINK_KEY, LinkBox
from studyspot.services.auth.config import AuthSettings
from studyspot.services.auth.upstream import Upstream


def create_app(
    settings: Settings | None = None, auth_settings: AuthSettings | None = None
) -> FastAPI:
    settings = settings or get_settings()
    # Auth alone signs access tokens: without its key (production) it must not start.
    settings.access_signing_key()
    config = auth_settings or AuthSettings()
    if settings.environment == "production" and config.link_encryption_key == DEV_LINK_KEY:
        raise ValueError("AUTH_LINK_ENCRYPTION_KEY must be set in production")
    link_box = LinkBox(config.link_encryption_key)
    upstream = Upstream.create(settings)

    async def start_pruning(app: FastAPI) -> None:
        if config.prune_interval_seconds:
            core = kit_state(app).core
            window = timedelta(seconds=settings.login_failure_window_seconds)
            app.state.auth_pruning = periodic.start(
                lambda: housekeeping.prune_round(core, window),
                config.prune_interval_seconds,
                "auth_prune_expired_tokens",
                core=core,
            )

    async def start_link_pruning(app: FastAPI) -> None:
        if config.link_event_prune_seconds:
            core = kit_state(app).core
            # No link lives longer than an invite or a reset link.
            max_age = timedelta(
                seconds=max(config.invite_ttl_seconds, settings.password_reset_ttl_seconds)
            )
            app.state.auth_link_pruning = periodic.start(
                lambda: housekeeping.prune_links_round(core, max_age),
                config.link_event_prune_seconds,
                "auth_prune_link_events",
                core=core,
            )

    async def stop(app: FastAPI) -> None:
        await periodic.stop(getattr(app.state, "auth_pruning", None))
        await periodic.stop(getattr(app.state, "auth_link_pruning", None))
        await upstream.close()

    app = create_service_app(
        "auth",
        [
            routes.auth_router,
            routes.users_router,
            routes.platform_router,
            jwks.router,
            internal_routes.router,
            internal_routes.owners_router,
        ],
        settings=settings,
        description=(
            "Sign-up of library owners, logins of every user type, rotating refresh tokens, "
            "password reset and invites, and the caller's own profile."
        ),
        on_startup=[start_pruning, start_link_pruning],
        on_shutdown=[stop],
        uses_tenant_db=False,
    )
    app.state.auth_settings = config
    # Throttle, cooldowns and session stamps read the time here; tests move it.
    app.state.auth_clock = utcnow
    app.state.auth_upstream = upstream
    app.state.auth_link_box = link_box
    return app
