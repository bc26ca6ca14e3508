"""Exam communities: the platform's list (platform admins keep it) and students of every
tenant joining, leaving, posting and reading. Rows live in the core database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.auth import Principal
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.pagination import PageParams, paginate
from studyspot.kit.permissions import UserType
from studyspot.services.community import attachments, spaces
from studyspot.services.community.errors import (
    AnonymityNotAllowed,
    CommunityClosed,
    CommunityNotFound,
    SlugTaken,
    StudentsOnly,
)
from studyspot.services.community.models import Community
from studyspot.services.community.schemas import (
    CommunityCreate,
    CommunityPage,
    CommunityRead,
    CommunityUpdate,
    JoinBody,
    Membership,
    PostPage,
    PostRead,
    apply_changes,
    page_of,
)


def _is_admin(principal: Principal) -> bool:
    return principal.can("platform_communities:manage")


def _student(principal: Principal) -> tuple[uuid.UUID, uuid.UUID]:
    """(tenant, student) of a student caller: only students are members of communities."""
    if principal.user_type != UserType.student or principal.tenant_id is None:
        raise StudentsOnly()
    return principal.tenant_id, principal.user_id


def _seer(principal: Principal) -> spaces.Seer:
    return spaces.Seer(principal.user_id, moderator=_is_admin(principal))


async def _community(
    session: AsyncSession, community_id: uuid.UUID, *, open_only: bool = False
) -> Community:
    found = await session.get(Community, community_id)
    if found is None:
        raise CommunityNotFound()
    if open_only and not found.active:
        raise CommunityClosed()
    return found


async def listing(session: AsyncSession, principal: Principal, paging: PageParams) -> CommunityPage:
    query = select(Community)
    if not _is_admin(principal):
        query = query.where(Community.active.is_(True))
    rows, total = await paginate(session, query, paging, [Community.name, Community.id])
    return page_of(CommunityPage, [CommunityRead.model_validate(r) for r in rows], total, paging)


async def create(
    session: AsyncSession, principal: Principal, body: CommunityCreate
) -> CommunityRead:
    taken = await session.scalar(
        select(func.count()).select_from(Community).where(Community.slug == body.slug)
    )
    if taken:
        raise SlugTaken()
    row = Community(slug=body.slug, name=body.name, description=body.description, active=True)
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise SlugTaken() from None  # a concurrent create with the same slug won
    await audit.record(
        session,
        "community.created",
        "community",
        row.id,
        actor_id=principal.user_id,
        actor_type=principal.user_type,
        details={"slug": row.slug},
    )
    return CommunityRead.model_validate(row)


async def update(
    session: AsyncSession, principal: Principal, community_id: uuid.UUID, body: CommunityUpdate
) -> CommunityRead:
    row = await _community(session, community_id)
    fields = apply_changes(row, body)
    await session.flush()
    await audit.record(
        session,
        "community.updated",
        "community",
        row.id,
        actor_id=principal.user_id,
        actor_type=principal.user_type,
        details={"fields": fields},
    )
    return CommunityRead.model_validate(row)


async def get(
    session: AsyncSession, principal: Principal, community_id: uuid.UUID
) -> CommunityRead:
    row = await _community(session, community_id)
    if not row.active and not _is_admin(principal):
        raise CommunityNotFound()
    return CommunityRead.model_validate(row)


async def join(
    session: AsyncSession,
    principal: Principal,
    community_id: uuid.UUID,
    body: JoinBody,
    now: datetime,
) -> Membership:
    tenant_id, student_id = _student(principal)
    if body.anonymous:
        raise AnonymityNotAllowed()
    space = spaces.Space.of_community(await _community(session, community_id, open_only=True))
    member = await spaces.join(session, space, tenant_id, student_id, body, now)
    return spaces.membership_of(member)


async def membership(
    session: AsyncSession, principal: Principal, community_id: uuid.UUID
) -> Membership:
    _, student_id = _student(principal)
    space = spaces.Space.of_community(await _community(session, community_id))
    return spaces.membership_of(await spaces.current_member(session, space, student_id))


async def leave(
    session: AsyncSession, principal: Principal, community_id: uuid.UUID, now: datetime
) -> None:
    _, student_id = _student(principal)
    space = spaces.Space.of_community(await _community(session, community_id))
    await spaces.leave(session, space, student_id, now)


async def _posting(
    session: AsyncSession, principal: Principal, community_id: uuid.UUID, now: datetime
) -> tuple[spaces.Space, Any]:
    """The open community and the caller's membership, if it may post there now."""
    _student(principal)
    space = spaces.Space.of_community(await _community(session, community_id, open_only=True))
    member = await spaces.current_member(session, space, principal.user_id)
    spaces.may_post(member, now)
    return space, member


async def may_post(
    db: Database, principal: Principal, community_id: uuid.UUID, now: datetime
) -> None:
    """Checked before anything is read of an upload."""
    async with unit_of_work(db, read_only=True) as session:
        await _posting(session, principal, community_id, now)


async def post(
    session: AsyncSession,
    principal: Principal,
    community_id: uuid.UUID,
    text: str,
    now: datetime,
    stored: Sequence[attachments.Stored] = (),
) -> PostRead:
    """The post and its attachments (already in the storage), in the caller's unit."""
    tenant_id, student_id = _student(principal)
    space, member = await _posting(session, principal, community_id, now)
    row, files = await spaces.add_post(
        session,
        space,
        tenant_id=tenant_id,
        author_type=principal.user_type,
        author_id=student_id,
        member=member,
        body=text,
        now=now,
        stored=stored,
    )
    read = spaces.post_read(space, row, member, _seer(principal), files)
    await spaces.announce_post(session, space, read)
    return read


async def attachment(
    session: AsyncSession, principal: Principal, community_id: uuid.UUID, attachment_id: uuid.UUID
) -> Any:
    """An attachment of a post the caller may read (as the posts: open communities)."""
    row = await _community(session, community_id)
    if not row.active and not _is_admin(principal):
        raise CommunityNotFound()
    return await spaces.attachment_of_post(session, spaces.Space.of_community(row), attachment_id)


async def posts(
    session: AsyncSession,
    principal: Principal,
    community_id: uuid.UUID,
    *,
    after: str | None,
    limit: int,
) -> PostPage:
    """Open to every student of the platform (members or not) and to platform admins."""
    row = await _community(session, community_id)
    if not row.active and not _is_admin(principal):
        raise CommunityNotFound()
    space = spaces.Space.of_community(row)
    return await spaces.list_posts(
        session, space, _seer(principal), after=after, limit=limit, pinned_only=False
    )


async def remove_post(
    session: AsyncSession,
    principal: Principal,
    community_id: uuid.UUID,
    post_id: uuid.UUID,
    now: datetime,
) -> list[str]:
    """By its author, or by a platform admin (audited); answers the storage keys of its
    files, to delete once committed."""
    space = spaces.Space.of_community(await _community(session, community_id))
    row, by_moderator = await spaces.remove_post(
        session,
        space,
        post_id,
        remover_id=principal.user_id,
        moderator=_is_admin(principal),
        now=now,
    )
    if by_moderator:
        await audit.record(
            session,
            "community.post_removed",
            "community_post",
            row.id,
            actor_id=principal.user_id,
            actor_type=principal.user_type,
            details={"community_id": str(space.id), "author_tenant_id": str(row.tenant_id)},
        )
    return [f.storage_key for f in await spaces.post_files(session, space, row)]
