"""Rules for libraries (branches): create within the plan, see only your branches, delete safely."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.errors import Unprocessable
from studyspot.kit.pagination import PageParams, paginate, sort_clause
from studyspot.services.library.access import Viewer
from studyspot.services.library.capacity import publish_capacity
from studyspot.services.library.errors import LibraryInUse, LibraryNameTaken
from studyspot.services.library.india import gst_state_code, gstin_matches_state, state_name
from studyspot.services.library.limits import check_quota, lock_quota
from studyspot.services.library.models import Library
from studyspot.services.library.repository import FeePlanRepository, LibraryRepository, violates
from studyspot.services.library.schemas.libraries import LibraryCreate, LibraryUpdate
from studyspot.services.library.upstream import Upstream

_SORTABLE = {"name": Library.name, "city": Library.city, "created_at": Library.created_at}


async def _name_is_free(repo: LibraryRepository, name: str, besides: uuid.UUID | None) -> None:
    if await repo.name_taken(name, besides=besides):
        raise LibraryNameTaken()


async def _flush_or_conflict(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        if violates(exc, "uq_libraries_tenant_id_name", "libraries.tenant_id, libraries.name"):
            raise LibraryNameTaken() from exc
        raise


async def create_library(
    session: AsyncSession, viewer: Viewer, body: LibraryCreate, upstream: Upstream
) -> Library:
    limits = await upstream.entitlements(viewer.tenant_id)
    repo = LibraryRepository(session, viewer.tenant_id)
    await lock_quota(session, viewer.tenant_id, "libraries")
    check_quota("libraries", await repo.count(), 1, limits)
    await _name_is_free(repo, body.name, None)
    library = Library(**body.model_dump(mode="json"), created_by=viewer.user_id)
    library.tenant_id = viewer.tenant_id
    session.add(library)
    await _flush_or_conflict(session)
    await viewer.record(session, "library.created", "library", library.id)
    return library


async def list_libraries(
    session: AsyncSession,
    viewer: Viewer,
    paging: PageParams,
    *,
    status: str | None,
    city: str | None,
    q: str | None,
    sort: str | None,
) -> tuple[list[Library], int]:
    repo = LibraryRepository(session, viewer.tenant_id)
    query = repo.visible(viewer.visible_library_ids)
    if viewer.is_student:
        query = query.where(Library.status == "active")
    if status is not None:
        query = query.where(Library.status == status)
    if city is not None:
        query = query.where(func.lower(Library.city) == city.lower())
    if q:
        query = query.where(func.lower(Library.name).contains(q.lower(), autoescape=True))
    order = sort_clause(sort, _SORTABLE, [Library.name, Library.id])
    return await paginate(session, query, paging, order)


async def get_library(session: AsyncSession, viewer: Viewer, library_id: uuid.UUID) -> Library:
    repo = LibraryRepository(session, viewer.tenant_id)
    return viewer.check_library(await repo.get(library_id))


async def update_library(
    session: AsyncSession, viewer: Viewer, library_id: uuid.UUID, body: LibraryUpdate
) -> Library:
    repo = LibraryRepository(session, viewer.tenant_id)
    library = viewer.check_library(await repo.get(library_id, for_update=True))
    changes = body.changes()
    state = changes.get("state", library.state)
    gstin = changes.get("gstin", library.gstin)
    if gstin is not None and not gstin_matches_state(gstin, state):
        raise Unprocessable(
            "The GSTIN belongs to another state",
            errors=[
                {
                    "field": "body.gstin",
                    "message": f"a GSTIN of {state_name(state)} starts with {gst_state_code(state)}",
                }
            ],
        )
    if "name" in changes and changes["name"] != library.name:
        await _name_is_free(repo, changes["name"], library.id)
    for key, value in changes.items():
        setattr(library, key, value)
    await _flush_or_conflict(session)
    if changes:
        await viewer.record(
            session, "library.updated", "library", library.id, details={"fields": sorted(changes)}
        )
    return library


async def delete_library(session: AsyncSession, viewer: Viewer, library_id: uuid.UUID) -> None:
    """Remove a branch created by mistake, with its seats, shifts, unsold plans and assignments.

    A branch whose plans were ever sold keeps its history: close it instead (409).
    """
    repo = LibraryRepository(session, viewer.tenant_id)
    library = viewer.check_library(await repo.get(library_id, for_update=True))
    plans = FeePlanRepository(session, viewer.tenant_id)
    if await plans.of_library_ever_used(library.id):
        raise LibraryInUse()
    await plans.delete_unused_of_library(library.id)
    try:
        await repo.delete(library)
    except IntegrityError as exc:
        # A plan of this library was sold between the check and the delete.
        raise LibraryInUse() from exc
    await viewer.record(
        session, "library.deleted", "library", library_id, details={"name": library.name}
    )
    await publish_capacity(session, viewer.tenant_id, library_id, deleted=True)
