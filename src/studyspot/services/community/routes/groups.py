"""`/api/groups*`: a library's groups, their members, posts, moderation and invite links."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from studyspot.kit.auth import TenantSession
from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Paging
from studyspot.services.community import attachments, groups
from studyspot.services.community.dependencies import (
    GroupCreate,
    GroupJoin,
    GroupModerate,
    GroupPost,
    GroupsRead,
    GroupUpdate,
    RuntimeDep,
)
from studyspot.services.community.routes.queries import After, Limit
from studyspot.services.community.schemas import GroupCreate as GroupCreateBody
from studyspot.services.community.schemas import (
    GroupPage,
    GroupRead,
    InviteCreate,
    InviteCreated,
    InviteJoin,
    JoinBody,
    MemberPage,
    Membership,
    MuteBody,
    PostCreate,
    PostPage,
    PostRead,
    ReasonBody,
)
from studyspot.services.community.schemas import GroupUpdate as GroupUpdateBody

router = APIRouter(prefix="/api/groups", tags=["groups"])

MODERATION = problem_responses(401, 403, 404, 422)


@router.post(
    "",
    status_code=201,
    responses=problem_responses(401, 403, 404, 422, 503),
    summary="Make a group for a library (its owner or staff)",
)
async def create_group(
    body: GroupCreateBody, viewer: GroupCreate, runtime: RuntimeDep
) -> GroupRead:
    """Problems: `library_not_found` (404: no such library, or not one of the caller's
    branches), `library_side_only` (403)."""
    return await groups.create(runtime, viewer, body, runtime.now())


@router.get(
    "",
    responses=problem_responses(401, 403, 422),
    summary="Groups: a student every group of its tenant, staff those of their branches",
)
async def list_groups(
    viewer: GroupsRead,
    session: TenantSession,
    paging: Paging,
    library_id: Annotated[uuid.UUID | None, Query()] = None,
) -> GroupPage:
    return await groups.listing(session, viewer, paging, library_id)


@router.post(
    "/join-by-invite",
    responses=problem_responses(401, 403, 404, 410, 422, 503),
    summary="Join a group with an invite link's token (a student; idempotent)",
)
async def join_by_invite(body: InviteJoin, viewer: GroupJoin, runtime: RuntimeDep) -> Membership:
    """Problems: `invite_expired` and `invite_used_up` (410 Gone), `invite_not_found`
    (404), `no_current_booking` (403: the link does not lift the group's rule). A member
    already in the group uses no place of the link."""
    return await groups.join_by_invite(runtime, viewer, body)


@router.get(
    "/{group_id:uuid}",
    responses=problem_responses(401, 403, 404, 422),
    summary="One group",
)
async def get_group(group_id: uuid.UUID, viewer: GroupsRead, session: TenantSession) -> GroupRead:
    return GroupRead.model_validate(await groups.visible(session, viewer, group_id))


@router.patch(
    "/{group_id:uuid}",
    responses=problem_responses(401, 403, 404, 422),
    summary="Rename, describe, allow or stop anonymous joining (owner, manager)",
)
async def update_group(
    group_id: uuid.UUID, body: GroupUpdateBody, viewer: GroupUpdate, session: TenantSession
) -> GroupRead:
    return await groups.update_group(session, viewer, group_id, body)


@router.post(
    "/{group_id:uuid}/join",
    responses=problem_responses(401, 403, 404, 422, 503),
    summary="Join (a student holding a place at the library; idempotent)",
)
async def join_group(
    group_id: uuid.UUID, body: JoinBody, viewer: GroupJoin, runtime: RuntimeDep
) -> Membership:
    """Problems: `no_current_booking` (403: no confirmed or active booking at the group's
    library from today to the coming week), `member_blocked` (403),
    `anonymity_not_allowed` (403), `students_only` (403)."""
    return await groups.join(runtime, viewer, group_id, body)


@router.post(
    "/{group_id:uuid}/leave",
    status_code=204,
    responses=problem_responses(401, 403, 404, 422),
    summary="Leave (idempotent; a blocked member stays blocked)",
)
async def leave_group(
    group_id: uuid.UUID, viewer: GroupJoin, session: TenantSession, runtime: RuntimeDep
) -> Response:
    await groups.leave(session, viewer, group_id, runtime.now())
    return Response(status_code=204)


@router.get(
    "/{group_id:uuid}/membership",
    responses=problem_responses(401, 403, 404, 422),
    summary="The caller's own membership",
)
async def group_membership(
    group_id: uuid.UUID, viewer: GroupJoin, session: TenantSession
) -> Membership:
    """Problems: `not_a_member` (403)."""
    return await groups.membership(session, viewer, group_id)


@router.get(
    "/{group_id:uuid}/members",
    responses=problem_responses(401, 403, 404, 422),
    summary="Members by number (members and the library's owner and staff)",
)
async def group_members(
    group_id: uuid.UUID, viewer: GroupsRead, session: TenantSession, paging: Paging
) -> MemberPage:
    """An anonymous member is `Student <n>` with no `student_id` for other students;
    moderators see every `student_id`, mutes and blocks."""
    return await groups.members(session, viewer, group_id, paging)


@router.get(
    "/{group_id:uuid}/posts",
    responses=problem_responses(401, 403, 404, 422),
    summary="Posts, newest first, paged by cursor (members and the library's staff)",
)
async def group_posts(
    group_id: uuid.UUID,
    viewer: GroupsRead,
    session: TenantSession,
    after: After = None,
    limit: Limit = 50,
    pinned: Annotated[bool, Query(description="Only pinned posts")] = False,
) -> PostPage:
    """Problems: `not_a_member` (403), `invalid_cursor` (422)."""
    return await groups.posts(
        session, viewer, group_id, after=after, limit=limit, pinned_only=pinned
    )


@router.post(
    "/{group_id:uuid}/posts",
    status_code=201,
    responses=problem_responses(401, 403, 404, 422, 503),
    summary="Post (a member holding a place, or the library's owner or staff)",
)
async def create_group_post(
    group_id: uuid.UUID, body: PostCreate, viewer: GroupPost, runtime: RuntimeDep
) -> PostRead:
    """Problems: `not_a_member`, `member_blocked`, `member_muted` (until its end),
    `no_current_booking` (403)."""
    return await groups.post(runtime, viewer, group_id, body.body)


@router.post(
    "/{group_id:uuid}/posts/upload",
    status_code=201,
    responses=problem_responses(401, 403, 404, 413, 415, 422, 503),
    openapi_extra=attachments.multipart_body(PostCreate),
    summary="Post with files: multipart, `body` and up to 4 PDF, PNG, JPEG or WebP `files`",
)
async def create_group_post_with_files(
    group_id: uuid.UUID, request: Request, viewer: GroupPost, runtime: RuntimeDep
) -> PostRead:
    """Who may post is checked before the body is read. Each file at most 10 MiB
    (413 `attachment_too_large`, refused as it arrives); its type is decided from its
    content, never its name or declared type (415 `unsupported_attachment_type`: HTML, SVG,
    scripts, archives...); at most 4 files (422 `too_many_attachments`). The post and its
    files are kept together or not at all. Other problems as `POST .../posts`."""
    await groups.may_post(runtime, viewer, group_id)
    return await attachments.accept(
        request,
        runtime.storage,
        attachments.key_prefix("group-posts", viewer.tenant_id),
        PostCreate,
        lambda body, stored: groups.write_post(runtime, viewer, group_id, body.body, stored),
    )


@router.get(
    "/{group_id:uuid}/attachments/{attachment_id}",
    response_class=StreamingResponse,
    responses={**attachments.DOWNLOAD_RESPONSE, **problem_responses(401, 403, 404, 422)},
    summary="Download a post's file (members and the library's staff)",
)
async def group_attachment(
    group_id: uuid.UUID,
    attachment_id: uuid.UUID,
    viewer: GroupsRead,
    session: TenantSession,
    runtime: RuntimeDep,
) -> StreamingResponse:
    """Served as its sniffed type, never as a page. Problems: `attachment_not_found` (404:
    also a removed post's), `not_a_member` (403)."""
    row = await groups.attachment(session, viewer, group_id, attachment_id)
    return await attachments.download(runtime.storage, row)


@router.delete(
    "/{group_id:uuid}/posts/{post_id}",
    status_code=204,
    responses=MODERATION,
    summary="Remove a post (its author, or a moderator: audited)",
)
async def remove_group_post(
    group_id: uuid.UUID,
    post_id: uuid.UUID,
    viewer: GroupsRead,
    runtime: RuntimeDep,
) -> Response:
    """Problems: `not_your_post` (403), `post_not_found` (404)."""
    # Its files are deleted from the storage once the removal is committed (the rows stay,
    # for the audit: name, type, size, SHA-256).
    db = await runtime.database(viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        keys = await groups.remove_post(session, viewer, group_id, post_id, runtime.now())
    await attachments.discard(runtime.storage, keys)
    return Response(status_code=204)


@router.post(
    "/{group_id:uuid}/posts/{post_id}/pin",
    responses=MODERATION,
    summary="Pin a post (moderators; audited)",
)
async def pin_post(
    group_id: uuid.UUID,
    post_id: uuid.UUID,
    viewer: GroupModerate,
    session: TenantSession,
    runtime: RuntimeDep,
) -> PostRead:
    return await groups.pin(session, viewer, group_id, post_id, runtime.now(), pinned=True)


@router.post(
    "/{group_id:uuid}/posts/{post_id}/unpin",
    responses=MODERATION,
    summary="Unpin a post (moderators; audited)",
)
async def unpin_post(
    group_id: uuid.UUID,
    post_id: uuid.UUID,
    viewer: GroupModerate,
    session: TenantSession,
    runtime: RuntimeDep,
) -> PostRead:
    return await groups.pin(session, viewer, group_id, post_id, runtime.now(), pinned=False)


@router.post(
    "/{group_id:uuid}/members/{member_id}/mute",
    responses=MODERATION,
    summary="Mute a member for a time (moderators; audited)",
)
async def mute_member(
    group_id: uuid.UUID,
    member_id: uuid.UUID,
    body: MuteBody,
    viewer: GroupModerate,
    session: TenantSession,
    runtime: RuntimeDep,
) -> Membership:
    """A muted member reads but cannot post until `muted_until`."""
    return await groups.restrict(
        session, viewer, group_id, member_id, runtime.now(), action="mute", body=body
    )


@router.post(
    "/{group_id:uuid}/members/{member_id}/unmute",
    responses=MODERATION,
    summary="Lift a mute (moderators; audited)",
)
async def unmute_member(
    group_id: uuid.UUID,
    member_id: uuid.UUID,
    viewer: GroupModerate,
    session: TenantSession,
    runtime: RuntimeDep,
) -> Membership:
    return await groups.restrict(
        session, viewer, group_id, member_id, runtime.now(), action="unmute"
    )


@router.post(
    "/{group_id:uuid}/members/{member_id}/block",
    responses=MODERATION,
    summary="Block a member (moderators; audited): no posting, no joining again",
)
async def block_member(
    group_id: uuid.UUID,
    member_id: uuid.UUID,
    body: ReasonBody,
    viewer: GroupModerate,
    session: TenantSession,
    runtime: RuntimeDep,
) -> Membership:
    return await groups.restrict(
        session, viewer, group_id, member_id, runtime.now(), action="block", body=body
    )


@router.post(
    "/{group_id:uuid}/members/{member_id}/unblock",
    responses=MODERATION,
    summary="Lift a block (moderators; audited)",
)
async def unblock_member(
    group_id: uuid.UUID,
    member_id: uuid.UUID,
    viewer: GroupModerate,
    session: TenantSession,
    runtime: RuntimeDep,
) -> Membership:
    return await groups.restrict(
        session, viewer, group_id, member_id, runtime.now(), action="unblock"
    )


@router.post(
    "/{group_id:uuid}/invites",
    status_code=201,
    responses=MODERATION,
    summary="Make an invite link with an expiry and a usage limit (moderators)",
)
async def create_invite(
    group_id: uuid.UUID,
    body: InviteCreate,
    viewer: GroupModerate,
    session: TenantSession,
    runtime: RuntimeDep,
) -> InviteCreated:
    """The token is shown once; only its hash is kept."""
    return await groups.create_invite(session, viewer, group_id, body, runtime.now())
