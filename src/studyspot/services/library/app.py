"""The library service (port 3005)."""

from __future__ import annotations

from fastapi import FastAPI

from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.library.routes import ROUTERS
from studyspot.services.library.upstream import Upstream, upstream_of


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    async def close_clients(app: FastAPI) -> None:
        await upstream_of(app).close()

    app = create_service_app(
        "library",
        ROUTERS,
        settings=settings,
        description=(
            "Branches, seats, shifts, fee plans and library staff of a library business, "
            "and realtime occupancy."
        ),
        on_shutdown=[close_clients],
    )
    app.state.library_upstream = Upstream.create(settings)
    app.state.library_upstream.core = app.state.kit.core
    return app
