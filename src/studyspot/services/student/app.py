"""The student service application (port 3004)."""

from __future__ import annotations

from fastapi import FastAPI

from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.student.routes import internal, students, transfer
from studyspot.services.student.upstream import Upstream


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    upstream = Upstream.create(settings)

    async def close_clients(_: FastAPI) -> None:
        await upstream.close()

    app = create_service_app(
        "student",
        # Import/export before students: their fixed paths must win over `/{student_id}`.
        [transfer.router, students.router, internal.router],
        settings=settings,
        description=(
            "The student register of a library business: admissions, search, invites to "
            "self-service login, import and export, data-protection erasure."
        ),
        on_shutdown=[close_clients],
        checks=upstream.health_checks(),
    )
    app.state.student_upstream = upstream
    return app
