"""The analytics service application (port 3012)."""

from __future__ import annotations

from fastapi import FastAPI

from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.analytics import routes
from studyspot.services.analytics.access import Runtime, runtime_of


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    async def stop(app: FastAPI) -> None:
        await runtime_of(app).library.close()

    app = create_service_app(
        "analytics",
        [routes.router],
        settings=settings,
        description=(
            "The owner's numbers from read models fed by booking, payment and attendance "
            "events: occupancy, billing and collection, dues ageing, renewals, cohorts, "
            "the check-in heatmap and students at risk."
        ),
        on_shutdown=[stop],
    )
    app.state.analytics = Runtime.create(app.state.kit, settings)
    return app
