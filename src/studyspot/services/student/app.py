"""The student service application (port 3004)."""

from __future__ import annotations

from fastapi import FastAPI

from studyspot.kit.app import create_service_app
from studyspot.kit.sandbox import Sandbox
from studyspot.kit.settings import Settings, get_settings
from studyspot.kit.spreadsheets import SHEET_READER
from studyspot.services.student.config import StudentSettings
from studyspot.services.student.importing import RegisterReader
from studyspot.services.student.routes import internal, students, transfer
from studyspot.services.student.upstream import Upstream


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    config = StudentSettings()
    upstream = Upstream.create(settings)
    reader = RegisterReader(
        config.sheet_limits(),
        Sandbox(SHEET_READER, config.sandbox_limits(), config.import_parallel_reads),
    )

    async def start_reader(_: FastAPI) -> None:
        await reader.sandbox.warm()

    async def close_clients(_: FastAPI) -> None:
        # A file still being read must not outlive the service that asked for it.
        reader.sandbox.kill_all()
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
        on_startup=[start_reader],
        on_shutdown=[close_clients],
        checks=upstream.health_checks(),
    )
    upstream.core = app.state.kit.core
    app.state.student_upstream = upstream
    app.state.student_register_reader = reader
    return app
