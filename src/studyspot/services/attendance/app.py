"""The attendance service application (port 3008)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.attendance import internal, routes
from studyspot.services.attendance.codes import Signer
from studyspot.services.attendance.config import DEV_CODE_KEY, AttendanceSettings
from studyspot.services.attendance.runtime import Runtime, runtime_of
from studyspot.services.attendance.tasks import Sweeper
from studyspot.services.attendance.upstream import Upstream


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    config = AttendanceSettings()
    if settings.environment == "production" and config.code_key == DEV_CODE_KEY:
        raise RuntimeError("ATTENDANCE_CODE_KEY must be set to a key of your own in production")
    upstream = Upstream.create(settings)
    sweeping: list[asyncio.Task[None]] = []

    async def start(app: FastAPI) -> None:
        if config.sweep_seconds > 0:
            sweeper = Sweeper(runtime_of(app))
            app.state.attendance_sweeper = sweeper
            sweeping.append(asyncio.create_task(sweeper.run(), name="attendance_sweeper"))

    async def stop(app: FastAPI) -> None:
        sweeper: Sweeper | None = getattr(app.state, "attendance_sweeper", None)
        if sweeper is not None:
            sweeper.stop.set()
        for task in sweeping:
            await asyncio.gather(task, return_exceptions=True)
        sweeping.clear()
        await upstream.close()

    app = create_service_app(
        "attendance",
        [routes.router, internal.router],
        settings=settings,
        description=(
            "Presence at the library: a rotating signed code at the door, shift-gated "
            "check-in and check-out, the staff register, no-show release and exports."
        ),
        on_startup=[start],
        on_shutdown=[stop],
    )
    kid, keys = config.code_keys()
    app.state.attendance = Runtime(app.state.kit, config, Signer(kid, keys), upstream)
    return app
