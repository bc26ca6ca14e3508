"""A library's attendance settings, and the library checks that owner actions need."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from studyspot.kit import audit
from studyspot.kit.db import unit_of_work
from studyspot.services.attendance.access import Viewer
from studyspot.services.attendance.check_ins import database
from studyspot.services.attendance.errors import LibraryNotFound
from studyspot.services.attendance.models import LibrarySettings
from studyspot.services.attendance.repository import Repo
from studyspot.services.attendance.runtime import Runtime
from studyspot.services.attendance.schemas import SettingsRead, SettingsUpdate


async def require_existing_library(runtime: Runtime, viewer: Viewer, library_id: uuid.UUID) -> None:
    """404 unless the library exists in the caller's tenant and branches (library service)."""
    viewer.require_library(library_id)
    if await runtime.upstream.find_library(viewer.tenant_id, library_id) is None:
        raise LibraryNotFound()


async def read(runtime: Runtime, viewer: Viewer, library_id: uuid.UUID) -> SettingsRead:
    viewer.require_library(library_id)
    db = await database(runtime, viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
        found = (await Repo(session, viewer.tenant_id).settings_of([library_id]))[library_id]
    return SettingsRead(library_id=library_id, **found.model_dump())


async def write(
    runtime: Runtime, viewer: Viewer, library_id: uuid.UUID, body: SettingsUpdate
) -> SettingsRead:
    await require_existing_library(runtime, viewer, library_id)
    db = await database(runtime, viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        row = (
            await session.scalars(
                select(LibrarySettings)
                .where(
                    LibrarySettings.tenant_id == viewer.tenant_id,
                    LibrarySettings.library_id == library_id,
                )
                .with_for_update()
            )
        ).first()
        if row is None:
            row = LibrarySettings(tenant_id=viewer.tenant_id, library_id=library_id)
            session.add(row)
        for name, value in body.model_dump().items():
            setattr(row, name, value)
        await session.flush()
        await audit.record(
            session,
            "attendance.settings_updated",
            "library",
            library_id,
            details=body.model_dump(),
            **viewer.audit_actor(),
        )
    return SettingsRead(library_id=library_id, **body.model_dump())
