"""Library groups: made by the owner or staff for a library, joined by students holding a
place there (the booking service says who does), moderated by the library's owner and
staff, with anonymous members where the group allows it and invite links.

Order of a join or a student's post (no transaction is open while another service is
asked): read the group → ask the booking service whether the student holds a place →
one unit of work for the change.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.db import unit_of_work
from studyspot.kit.pagination import PageParams, paginate
from studyspot.services.community import attachments, spaces
from studyspot.services.community.access import Viewer
from studyspot.services.community.errors import (
    AnonymityNotAllowed,
    GroupNotFound,
    InviteExpired,
    InviteNotFound,
    InviteUsedUp,
    LibraryNotFound,
    NoCurrentBooking,
)
from studyspot.services.community.models import Group, Invite
from studyspot.services.community.runtime import Runtime
from studyspot.services.community.schemas import (
    GroupCreate,
    GroupPage,
    GroupRead,
    GroupUpdate,
    InviteCreate,
    InviteCreated,
    InviteJoin,
    JoinBody,
    MemberPage,
    Membership,
    MuteBody,
    PostPage,
    PostRead,
    ReasonBody,
    apply_changes,
    page_of,
)


def _space(group: Group) -> spaces.Space:
    return spaces.Space.of_group(group)


def _seer(viewer: Viewer, group: Group) -> spaces.Seer:
    return spaces.Seer(viewer.user_id, moderator=viewer.moderates(group.library_id))


async def visible(
    session: AsyncSession, viewer: Viewer, group_id: uuid.UUID, *, for_update: bool = False
) -> Group:
    """The group, if the caller may see it: any student of the tenant (to find and join
    it), the owner, staff of its library. Anyone else: 404, as if it did not exist."""
    query = select(Group).where(Group.tenant_id == viewer.tenant_id, Group.id == group_id)
    if for_update:
        query = query.with_for_update()
    group = (await session.scalars(query)).first()
    if group is None or not (viewer.is_student or viewer.reaches(group.library_id)):
        raise GroupNotFound()
    return group


async def moderated(session: AsyncSession, viewer: Viewer, group_id: uuid.UUID) -> Group:
    group = await visible(session, viewer, group_id)
    if not viewer.moderates(group.library_id):
        raise GroupNotFound()
    return group


async def create(runtime: Runtime, viewer: Viewer, body: GroupCreate, now: datetime) -> GroupRead:
    viewer.require_library_side()
    if not viewer.reaches(body.library_id):
        raise LibraryNotFound()
    if await runtime.upstream.find_library(viewer.tenant_id, body.library_id) is None:
        raise LibraryNotFound()
    db = await runtime.database(viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        group = Group(
            tenant_id=viewer.tenant_id,
            library_id=body.library_id,
            name=body.name,
            description=body.description,
            allow_anonymous=body.allow_anonymous,
            created_by=viewer.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(group)
        await session.flush()
        await audit.record(
            session,
            "community.group_created",
            "community_group",
            group.id,
            **viewer.audit_actor(),
            details={"library_id": str(body.library_id)},
        )
        return GroupRead.model_validate(group)


async def listing(
    session: AsyncSession, viewer: Viewer, paging: PageParams, library_id: uuid.UUID | None
) -> GroupPage:
    query = select(Group).where(Group.tenant_id == viewer.tenant_id)
    if library_id is not None:
        query = query.where(Group.library_id == library_id)
    if not viewer.is_student:
        if not viewer.is_library_side:
            query = query.where(Group.id.is_(None))
        elif viewer.library_ids is not None:
            query = query.where(Group.library_id.in_(sorted(viewer.library_ids)))
    rows, total = await paginate(session, query, paging, [Group.created_at, Group.id])
    return page_of(GroupPage, [GroupRead.model_validate(r) for r in rows], total, paging)


async def update_group(
    session: AsyncSession, viewer: Viewer, group_id: uuid.UUID, body: GroupUpdate
) -> GroupRead:
    viewer.require_library_side()
    group = await visible(session, viewer, group_id, for_update=True)
    fields = apply_changes(group, body)
    await session.flush()
    await audit.record(
        session,
        "community.group_updated",
        "community_group",
        group.id,
        **viewer.audit_actor(),
        details={"fields": fields},
    )
    return GroupRead.model_validate(group)


async def _require_place(runtime: Runtime, viewer: Viewer, group: Group) -> None:
    student_id = viewer.require_student()
    if not await runtime.upstream.holds_place(
        viewer.tenant_id, group.library_id, student_id, runtime.now()
    ):
        raise NoCurrentBooking()


async def _read_group(runtime: Runtime, viewer: Viewer, group_id: uuid.UUID) -> Group:
    db = await runtime.database(viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
        return await visible(session, viewer, group_id)


async def _join_in(
    session: AsyncSession, viewer: Viewer, group: Group, body: JoinBody, now: datetime
) -> Any:
    if body.anonymous and not group.allow_anonymous:
        raise AnonymityNotAllowed()
    student_id = viewer.require_student()
    return await spaces.join(session, _space(group), viewer.tenant_id, student_id, body, now)


async def join(runtime: Runtime, viewer: Viewer, group_id: uuid.UUID, body: JoinBody) -> Membership:
    """Idempotent; 403 `no_current_booking` without a place at the group's library."""
    viewer.require_student()
    group = await _read_group(runtime, viewer, group_id)
    if body.anonymous and not group.allow_anonymous:
        raise AnonymityNotAllowed()
    await _require_place(runtime, viewer, group)
    db = await runtime.database(viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        group = await visible(session, viewer, group_id)
        return spaces.membership_of(await _join_in(session, viewer, group, body, runtime.now()))


async def leave(session: AsyncSession, viewer: Viewer, group_id: uuid.UUID, now: datetime) -> None:
    student_id = viewer.require_student()
    group = await visible(session, viewer, group_id)
    await spaces.leave(session, _space(group), student_id, now)


async def membership(session: AsyncSession, viewer: Viewer, group_id: uuid.UUID) -> Membership:
    student_id = viewer.require_student()
    group = await visible(session, viewer, group_id)
    return spaces.membership_of(await spaces.current_member(session, _space(group), student_id))


async def _reader(session: AsyncSession, viewer: Viewer, group_id: uuid.UUID) -> Group:
    """The group, if the caller reads its posts and members: a member now, or its library's
    owner and staff (403 `not_a_member` for a student who is not)."""
    group = await visible(session, viewer, group_id)
    if viewer.is_student:
        await spaces.current_member(session, _space(group), viewer.user_id)
    return group


async def members(
    session: AsyncSession, viewer: Viewer, group_id: uuid.UUID, paging: PageParams
) -> MemberPage:
    group = await _reader(session, viewer, group_id)
    space = _space(group)
    model = space.member
    query = space.members().where(model.left_at.is_(None))
    rows, total = await paginate(session, query, paging, [model.number])
    seer = _seer(viewer, group)
    return page_of(MemberPage, [spaces.member_read(space, m, seer) for m in rows], total, paging)


async def posts(
    session: AsyncSession,
    viewer: Viewer,
    group_id: uuid.UUID,
    *,
    after: str | None,
    limit: int,
    pinned_only: bool,
) -> PostPage:
    group = await _reader(session, viewer, group_id)
    return await spaces.list_posts(
        session,
        _space(group),
        _seer(viewer, group),
        after=after,
        limit=limit,
        pinned_only=pinned_only,
    )


async def may_post(runtime: Runtime, viewer: Viewer, group_id: uuid.UUID) -> None:
    """A member student (not blocked, not muted, still holding a place), or the owner or
    staff of the group's library; checked before anything is read of an upload."""
    group = await _read_group(runtime, viewer, group_id)
    if viewer.is_student:
        db = await runtime.database(viewer)
        async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
            member = await spaces.current_member(session, _space(group), viewer.user_id)
            spaces.may_post(member, runtime.now())
        await _require_place(runtime, viewer, group)
    elif not viewer.reaches(group.library_id):
        raise GroupNotFound()


async def post(runtime: Runtime, viewer: Viewer, group_id: uuid.UUID, text: str) -> PostRead:
    await may_post(runtime, viewer, group_id)
    return await write_post(runtime, viewer, group_id, text)


async def write_post(
    runtime: Runtime,
    viewer: Viewer,
    group_id: uuid.UUID,
    text: str,
    stored: Sequence[attachments.Stored] = (),
) -> PostRead:
    """The post (and its attachments, already in the storage) in one transaction, after
    `may_post`; a mute or block that came in meanwhile is still refused."""
    db = await runtime.database(viewer)
    now = runtime.now()
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        group = await visible(session, viewer, group_id)
        space = _space(group)
        member = None
        if viewer.is_student:
            member = await spaces.current_member(session, space, viewer.user_id)
            spaces.may_post(member, now)
        row, files = await spaces.add_post(
            session,
            space,
            tenant_id=viewer.tenant_id,
            author_type=viewer.principal.user_type,
            author_id=viewer.user_id,
            member=member,
            body=text,
            now=now,
            stored=stored,
        )
        read = spaces.post_read(space, row, member, _seer(viewer, group), files)
        await spaces.announce_post(session, space, read)
        return read


async def attachment(
    session: AsyncSession, viewer: Viewer, group_id: uuid.UUID, attachment_id: uuid.UUID
) -> Any:
    """An attachment of a post the caller may read (members, the library's staff)."""
    group = await _reader(session, viewer, group_id)
    return await spaces.attachment_of_post(session, _space(group), attachment_id)


async def remove_post(
    session: AsyncSession, viewer: Viewer, group_id: uuid.UUID, post_id: uuid.UUID, now: datetime
) -> list[str]:
    """Remove the post; answers the storage keys of its files, to delete once committed."""
    group = await visible(session, viewer, group_id)
    space = _space(group)
    row, by_moderator = await spaces.remove_post(
        session,
        space,
        post_id,
        remover_id=viewer.user_id,
        moderator=viewer.moderates(group.library_id),
        now=now,
    )
    if by_moderator:
        await _audit(session, viewer, "community.post_removed", "community_post", row.id, group)
    return [f.storage_key for f in await spaces.post_files(session, space, row)]


async def _audit(
    session: AsyncSession,
    viewer: Viewer,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID,
    group: Group,
    **details: Any,
) -> None:
    await audit.record(
        session,
        action,
        resource_type,
        resource_id,
        **viewer.audit_actor(),
        details={"group_id": str(group.id), "library_id": str(group.library_id), **details},
    )


async def pin(
    session: AsyncSession,
    viewer: Viewer,
    group_id: uuid.UUID,
    post_id: uuid.UUID,
    now: datetime,
    *,
    pinned: bool,
) -> PostRead:
    group = await moderated(session, viewer, group_id)
    space = _space(group)
    row = await spaces.get_post(session, space, post_id, for_update=True)
    row.pinned_at = now if pinned else None
    await session.flush()
    action = "community.post_pinned" if pinned else "community.post_unpinned"
    await _audit(session, viewer, action, "community_post", row.id, group)
    member = await spaces.member_by_id(session, space, row.member_id) if row.member_id else None
    files = await spaces.post_files(session, space, row)
    return spaces.post_read(space, row, member, _seer(viewer, group), files)


async def restrict(
    session: AsyncSession,
    viewer: Viewer,
    group_id: uuid.UUID,
    member_id: uuid.UUID,
    now: datetime,
    *,
    action: str,
    body: MuteBody | ReasonBody | None = None,
) -> Membership:
    """Mute (until a time), unmute, block or unblock a member; audited with the reason."""
    group = await moderated(session, viewer, group_id)
    member = await spaces.member_by_id(session, _space(group), member_id)
    details: dict[str, Any] = {"reason": body.reason if body else None}
    if action == "mute":
        assert isinstance(body, MuteBody)
        member.muted_until = now + timedelta(minutes=body.minutes)
        details["muted_until"] = member.muted_until.isoformat()
    elif action == "unmute":
        member.muted_until = None
    elif action == "block":
        member.blocked_at = member.blocked_at or now
    else:
        member.blocked_at = None
    await session.flush()
    await _audit(
        session,
        viewer,
        f"community.member_{action}",
        "community_member",
        member.id,
        group,
        **details,
    )
    return spaces.membership_of(member)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(
    session: AsyncSession, viewer: Viewer, group_id: uuid.UUID, body: InviteCreate, now: datetime
) -> InviteCreated:
    group = await moderated(session, viewer, group_id)
    token = secrets.token_urlsafe(32)
    invite = Invite(
        tenant_id=viewer.tenant_id,
        group_id=group.id,
        token_hash=_hash(token),
        expires_at=now + timedelta(hours=body.expires_in_hours),
        max_uses=body.max_uses,
        uses=0,
        created_by=viewer.user_id,
        created_at=now,
    )
    session.add(invite)
    await session.flush()
    await _audit(session, viewer, "community.invite_created", "community_invite", invite.id, group)
    return InviteCreated(
        id=invite.id,
        group_id=group.id,
        expires_at=invite.expires_at,
        max_uses=invite.max_uses,
        uses=0,
        token=token,
    )


async def _invite(session: AsyncSession, viewer: Viewer, token: str) -> Invite:
    found = (
        await session.scalars(
            select(Invite).where(
                Invite.tenant_id == viewer.tenant_id, Invite.token_hash == _hash(token)
            )
        )
    ).first()
    if found is None:
        raise InviteNotFound()
    return found


def _usable(invite: Invite, now: datetime) -> None:
    if invite.expires_at <= now:
        raise InviteExpired()
    if invite.uses >= invite.max_uses:
        raise InviteUsedUp()


async def join_by_invite(runtime: Runtime, viewer: Viewer, body: InviteJoin) -> Membership:
    """410 for an expired or used-up link; idempotent (a member now uses no place of the
    link); a student still needs a place at the library (403 `no_current_booking`)."""
    student_id = viewer.require_student()
    db = await runtime.database(viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
        invite = await _invite(session, viewer, body.token)
        group = await visible(session, viewer, invite.group_id)
        member = await spaces.find_member(session, _space(group), student_id)
        if member is not None and member.left_at is None:
            return spaces.membership_of(member)
        _usable(invite, runtime.now())
    if body.anonymous and not group.allow_anonymous:
        raise AnonymityNotAllowed()
    await _require_place(runtime, viewer, group)
    now = runtime.now()
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        group = await visible(session, viewer, invite.group_id)
        member = await spaces.find_member(session, _space(group), student_id, for_update=True)
        if member is None or member.left_at is not None:
            taken = await session.execute(
                update(Invite)
                .where(
                    Invite.tenant_id == viewer.tenant_id,
                    Invite.id == invite.id,
                    Invite.uses < Invite.max_uses,
                    Invite.expires_at > now,
                )
                .values(uses=Invite.uses + 1)
            )
            if not taken.rowcount:  # type: ignore[attr-defined]
                _usable(await _invite(session, viewer, body.token), now)
                raise InviteUsedUp()  # the last use went to a concurrent join
        joined = await _join_in(session, viewer, group, body, now)
        return spaces.membership_of(joined)
