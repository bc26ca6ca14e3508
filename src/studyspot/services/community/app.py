"""The community service application (port 3011)."""

from __future__ import annotations

from fastapi import FastAPI

from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings, get_settings
from studyspot.kit.storage import create_storage
from studyspot.services.community import stream
from studyspot.services.community.routes import communities, groups, inbox
from studyspot.services.community.runtime import Runtime
from studyspot.services.community.upstream import Upstream


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    upstream = Upstream.create(settings)

    async def stop(_: FastAPI) -> None:
        await upstream.close()

    app = create_service_app(
        "community",
        # The inbox before the groups: `/api/groups/inbox/...` is not a group.
        [communities.router, inbox.router, groups.router, stream.router],
        settings=settings,
        description=(
            "Exam communities open to every student of the platform, library groups for "
            "students holding a place (moderated by the library, anonymous members where "
            "allowed, invite links), and the student-library inbox."
        ),
        on_shutdown=[stop, stream.shutdown],
    )
    app.state.community = Runtime(app.state.kit, upstream, create_storage(settings))
    app.state.realtime = stream.create_hub(app.state.kit)
    return app
