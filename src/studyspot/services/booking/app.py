"""The booking service application (port 3006)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.booking.config import BookingSettings
from studyspot.services.booking.routes import availability, bookings, internal, waitlist
from studyspot.services.booking.runtime import Runtime, runtime_of
from studyspot.services.booking.tasks import Sweeper
from studyspot.services.booking.upstream import Upstream


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    config = BookingSettings()
    upstream = Upstream.create(settings)
    sweeping: list[asyncio.Task[None]] = []

    async def start(app: FastAPI) -> None:
        if config.sweep_seconds > 0:
            sweeper = Sweeper(runtime_of(app))
            app.state.booking_sweeper = sweeper
            sweeping.append(asyncio.create_task(sweeper.run()))

    async def stop(app: FastAPI) -> None:
        sweeper: Sweeper | None = getattr(app.state, "booking_sweeper", None)
        if sweeper is not None:
            sweeper.stop.set()
        for task in sweeping:
            await asyncio.gather(task, return_exceptions=True)
        await upstream.close()

    app = create_service_app(
        "booking",
        # Fixed paths (availability, waitlist) before `/api/v1/bookings/{booking_id}`.
        [availability.router, waitlist.router, bookings.router, internal.router],
        settings=settings,
        description=(
            "Seat bookings of a library business: availability, race-free holds, confirmation "
            "on payment, cancellation, renewal, transfer, pause and the waitlist."
        ),
        on_startup=[start],
        on_shutdown=[stop],
    )
    app.state.booking = Runtime(app.state.kit, config, upstream)
    return app
