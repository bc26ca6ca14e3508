"""Members and posts of a space, the same for an exam community and a library group.

A `Space` names the row (community or group) and its member and post tables; for a group
every query also carries the tenant filter. Each function takes the session and never
commits. Races are settled by the database: a member number comes from one conditional
increment of the space's `next_number`, a second join of the same student meets the
unique key and reads the row the first one wrote.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.pagination import Position
from studyspot.services.community import attachments, events
from studyspot.services.community.errors import (
    AttachmentNotFound,
    MemberBlocked,
    MemberMuted,
    MemberNotFound,
    NotAMember,
    NotYourPost,
    PostNotFound,
)
from studyspot.services.community.models import (
    Community,
    CommunityMember,
    CommunityPost,
    CommunityPostAttachment,
    Group,
    GroupMember,
    GroupPost,
    GroupPostAttachment,
)
from studyspot.services.community.schemas import (
    Author,
    JoinBody,
    MemberRead,
    Membership,
    PostPage,
    PostRead,
)

AuthorKind = Literal["student", "library"]


@dataclass(frozen=True)
class Space:
    kind: Literal["community", "group"]
    row: Community | Group
    member: type[Any]  # CommunityMember | GroupMember
    post: type[Any]  # CommunityPost | GroupPost
    attachment: type[Any]  # CommunityPostAttachment | GroupPostAttachment
    # A group's tenant: every query of its tables is filtered by it. None: the community.
    tenant_id: uuid.UUID | None

    @classmethod
    def of_community(cls, row: Community) -> Space:
        return cls("community", row, CommunityMember, CommunityPost, CommunityPostAttachment, None)

    @classmethod
    def of_group(cls, row: Group) -> Space:
        return cls("group", row, GroupMember, GroupPost, GroupPostAttachment, row.tenant_id)

    @property
    def path(self) -> str:
        """Where the space's API is (attachments are downloaded under it)."""
        base = "/api/communities" if self.kind == "community" else "/api/groups"
        return f"{base}/{self.id}"

    @property
    def id(self) -> uuid.UUID:
        return self.row.id

    @property
    def library_id(self) -> uuid.UUID | None:
        return self.row.library_id if isinstance(self.row, Group) else None

    def _scoped(self, model: type[Any], query: Select[Any]) -> Select[Any]:
        query = query.where(model.space_id == self.id)
        if self.tenant_id is not None:
            query = query.where(model.tenant_id == self.tenant_id)
        return query

    def members(self) -> Select[Any]:
        return self._scoped(self.member, select(self.member))

    def posts(self) -> Select[Any]:
        return self._scoped(self.post, select(self.post))


@dataclass(frozen=True)
class Seer:
    """What the caller of a listing may see of identities in this space."""

    user_id: uuid.UUID
    # Moderators of a group, platform admins of a community: every real identity.
    moderator: bool


def label_of(member: Any) -> str:
    if member.anonymous:
        return f"Student {member.number}"
    return str(member.display_name or f"Member {member.number}")


def identity_visible(space: Space, member: Any, seer: Seer) -> bool:
    """Whether the caller may see who this member is (its student id).

    Its own self and moderators always; in a library group the other students when the
    member is not anonymous; in a platform-wide community nobody else (members of other
    tenants see each other by display name only)."""
    if seer.moderator or member.student_id == seer.user_id:
        return True
    return space.kind == "group" and not member.anonymous


def membership_of(member: Any) -> Membership:
    return Membership(
        member_id=member.id,
        space_id=member.space_id,
        number=member.number,
        label=label_of(member),
        display_name=member.display_name,
        anonymous=member.anonymous,
        joined_at=member.joined_at,
        muted_until=member.muted_until,
        blocked=member.blocked_at is not None,
    )


def member_read(space: Space, member: Any, seer: Seer) -> MemberRead:
    return MemberRead(
        member_id=member.id,
        number=member.number,
        label=label_of(member),
        anonymous=member.anonymous,
        student_id=member.student_id if identity_visible(space, member, seer) else None,
        joined_at=member.joined_at,
        muted_until=member.muted_until if seer.moderator else None,
        blocked=(member.blocked_at is not None) if seer.moderator else None,
    )


async def find_member(
    session: AsyncSession, space: Space, student_id: uuid.UUID, *, for_update: bool = False
) -> Any | None:
    query = space.members().where(space.member.student_id == student_id)
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def member_by_id(session: AsyncSession, space: Space, member_id: uuid.UUID) -> Any:
    found = (
        await session.scalars(space.members().where(space.member.id == member_id).with_for_update())
    ).first()
    if found is None:
        raise MemberNotFound()
    return found


async def current_member(session: AsyncSession, space: Space, student_id: uuid.UUID) -> Any:
    """The student's membership, if it is a member now (403 `not_a_member` otherwise)."""
    member = await find_member(session, space, student_id)
    if member is None or member.left_at is not None:
        raise NotAMember()
    return member


def may_post(member: Any, now: datetime) -> None:
    if member.blocked_at is not None:
        raise MemberBlocked()
    if member.muted_until is not None and member.muted_until > now:
        raise MemberMuted(member.muted_until.isoformat())


async def _take_number(session: AsyncSession, space: Space) -> int:
    model = type(space.row)
    taken = await session.scalar(
        update(model)
        .where(model.id == space.id)
        .values(next_number=model.next_number + 1)
        .returning(model.next_number)
    )
    return int(taken or 1) - 1


async def join(
    session: AsyncSession,
    space: Space,
    tenant_id: uuid.UUID,
    student_id: uuid.UUID,
    body: JoinBody,
    now: datetime,
) -> Any:
    """Join (idempotent: a member stays as it is; one who left comes back with its number)."""
    member = await find_member(session, space, student_id, for_update=True)
    if member is not None:
        if member.blocked_at is not None:
            raise MemberBlocked()
        if member.left_at is not None:
            member.left_at = None
            member.joined_at = now
            member.anonymous = body.anonymous
            member.display_name = None if body.anonymous else body.display_name
            await session.flush()
        return member
    number = await _take_number(session, space)
    dialect = session.get_bind().dialect.name
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        maker(space.member.__table__)
        .values(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            space_id=space.id,
            student_id=student_id,
            number=number,
            display_name=None if body.anonymous else body.display_name,
            anonymous=body.anonymous,
            joined_at=now,
        )
        .on_conflict_do_nothing(index_elements=["space_id", "student_id"])
    )
    found = await find_member(session, space, student_id)
    assert found is not None  # inserted here, or by the concurrent join that won
    return found


async def leave(session: AsyncSession, space: Space, student_id: uuid.UUID, now: datetime) -> None:
    """Leave (idempotent). A blocked member stays blocked: leaving does not lift it."""
    member = await find_member(session, space, student_id, for_update=True)
    if member is not None and member.left_at is None:
        member.left_at = now
        await session.flush()


async def add_post(
    session: AsyncSession,
    space: Space,
    *,
    tenant_id: uuid.UUID,
    author_type: str,
    author_id: uuid.UUID,
    member: Any | None,
    body: str,
    now: datetime,
    stored: Sequence[attachments.Stored] = (),
) -> tuple[Any, list[Any]]:
    """The post and its attachment rows (their blobs are already in the storage)."""
    post = space.post(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        space_id=space.id,
        member_id=member.id if member is not None else None,
        author_type=author_type,
        author_id=author_id,
        anonymous=bool(member is not None and member.anonymous),
        body=body,
        created_at=now,
    )
    session.add(post)
    files = attachments.rows(space.attachment, tenant_id, post.id, stored, now)
    session.add_all(files)
    await session.flush()
    return post, files


async def get_post(
    session: AsyncSession, space: Space, post_id: uuid.UUID, *, for_update: bool = False
) -> Any:
    query = space.posts().where(space.post.id == post_id, space.post.removed_at.is_(None))
    if for_update:
        query = query.with_for_update()
    found = (await session.scalars(query)).first()
    if found is None:
        raise PostNotFound()
    return found


def author_of(space: Space, post: Any, member: Any | None, seer: Seer) -> Author:
    if post.member_id is None or member is None:
        label = "Library owner" if post.author_type == "library_owner" else "Library staff"
        return Author(
            kind="library", member_id=None, label=label, anonymous=False, user_id=post.author_id
        )
    # The post keeps the anonymity it was written with, whatever the member chose since.
    shown = member if member.anonymous == post.anonymous else _as_posted(member, post)
    visible = identity_visible(space, shown, seer)
    return Author(
        kind="student",
        member_id=member.id,
        label=label_of(shown),
        anonymous=post.anonymous,
        user_id=post.author_id if visible else None,
    )


@dataclass(frozen=True)
class _AsPosted:
    id: uuid.UUID
    student_id: uuid.UUID
    number: int
    display_name: str | None
    anonymous: bool


def _as_posted(member: Any, post: Any) -> _AsPosted:
    return _AsPosted(
        member.id,
        member.student_id,
        member.number,
        None if post.anonymous else member.display_name,
        post.anonymous,
    )


def post_read(
    space: Space, post: Any, member: Any | None, seer: Seer, files: Sequence[Any] = ()
) -> PostRead:
    return PostRead(
        id=post.id,
        space_id=post.space_id,
        author=author_of(space, post, member, seer),
        body=post.body,
        created_at=post.created_at,
        pinned_at=post.pinned_at,
        mine=post.author_id == seer.user_id,
        attachments=[attachments.read(f, space.path) for f in files],
    )


async def list_posts(
    session: AsyncSession,
    space: Space,
    seer: Seer,
    *,
    after: str | None,
    limit: int,
    pinned_only: bool,
) -> PostPage:
    """Newest first, `limit` at a time, paged on by a keyset cursor (one index range)."""
    model = space.post
    query = space.posts().where(model.removed_at.is_(None))
    if pinned_only:
        query = query.where(model.pinned_at.is_not(None))
    if after:
        query = query.where(Position.decode(after).older(model.created_at, model.id))
    rows = list(
        await session.scalars(
            query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    member_ids = {p.member_id for p in rows if p.member_id is not None}
    members: dict[uuid.UUID, Any] = {}
    if member_ids:
        found = await session.scalars(space.members().where(space.member.id.in_(member_ids)))
        members = {m.id: m for m in found}
    files = await attachments.of_parents(
        session, space.attachment, space.tenant_id, [p.id for p in rows]
    )
    items = [post_read(space, p, members.get(p.member_id), seer, files.get(p.id, [])) for p in rows]
    cursor = Position(rows[-1].created_at, rows[-1].id).encode() if more and rows else None
    return PostPage(items=items, next_after=cursor, limit=limit)


async def remove_post(
    session: AsyncSession,
    space: Space,
    post_id: uuid.UUID,
    *,
    remover_id: uuid.UUID,
    moderator: bool,
    now: datetime,
) -> tuple[Any, bool]:
    """Remove a post (its author, or a moderator); answers the row and whether a moderator
    removed another's post (the caller audits that)."""
    row = await get_post(session, space, post_id, for_update=True)
    own = row.author_id == remover_id
    if not own and not moderator:
        raise NotYourPost()
    row.removed_at = now
    row.removed_by = remover_id
    await session.flush()
    await events.emit(
        session,
        events.POST_REMOVED,
        events.PostRemoved(
            post_id=row.id,
            space=space.kind,
            space_id=space.id,
            library_id=space.library_id,
            removed_by=remover_id,
            by_moderator=not own,
            removed_at=now,
        ),
        tenant_id=space.tenant_id,
    )
    return row, not own


async def announce_post(session: AsyncSession, space: Space, read: PostRead) -> None:
    """`community.post_created`: never the author's id when anonymous, nor in a
    platform-wide community (whose members see each other by display name only)."""
    author = read.author
    hidden = author.anonymous or space.kind == "community"
    await events.emit(
        session,
        events.POST_CREATED,
        events.PostCreated(
            post_id=read.id,
            space=space.kind,
            space_id=space.id,
            library_id=space.library_id,
            author_kind=author.kind,
            author_user_id=None if hidden else author.user_id,
            author_label=author.label,
            anonymous=author.anonymous,
            created_at=read.created_at,
        ),
        tenant_id=space.tenant_id,
    )


async def post_files(session: AsyncSession, space: Space, post: Any) -> list[Any]:
    found = await attachments.of_parents(session, space.attachment, space.tenant_id, [post.id])
    return found.get(post.id, [])


async def attachment_of_post(session: AsyncSession, space: Space, attachment_id: uuid.UUID) -> Any:
    """An attachment of a post of this space that is not removed (404 otherwise: a removed
    post's files are gone with it)."""
    row = await attachments.find(session, space.attachment, space.tenant_id, attachment_id)
    try:
        await get_post(session, space, row.parent_id)
    except PostNotFound:
        raise AttachmentNotFound() from None
    return row
