"""The tenant service (port 3003)."""

from __future__ import annotations

from fastapi import FastAPI

from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings
from studyspot.services.tenant import internal_routes, routes


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        "tenant",
        [routes.router, internal_routes.router],
        settings=settings,
        description="Tenants (library businesses): status, plan limits, and where their data lives.",
    )
