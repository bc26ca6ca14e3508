"""`/api/communities*`: the platform's exam communities (core database)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from studyspot.kit.auth import CoreSession
from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Paging
from studyspot.services.community import attachments, communities
from studyspot.services.community.dependencies import (
    CommunityAdmin,
    CommunityMemberDep,
    CommunityReader,
    RuntimeDep,
)
from studyspot.services.community.routes.queries import After, Limit
from studyspot.services.community.schemas import (
    CommunityCreate,
    CommunityPage,
    CommunityRead,
    CommunityUpdate,
    JoinBody,
    Membership,
    PostCreate,
    PostPage,
    PostRead,
)

router = APIRouter(prefix="/api/communities", tags=["communities"])


@router.get(
    "",
    responses=problem_responses(401, 403, 422),
    summary="Exam communities open to every student of the platform",
)
async def list_communities(
    principal: CommunityReader, session: CoreSession, paging: Paging
) -> CommunityPage:
    """Ordered by name. Platform admins also see closed ones."""
    return await communities.listing(session, principal, paging)


@router.post(
    "",
    status_code=201,
    responses=problem_responses(401, 403, 409, 422),
    summary="Add an exam community (platform admins)",
)
async def create_community(
    body: CommunityCreate, principal: CommunityAdmin, session: CoreSession
) -> CommunityRead:
    """Problems: `community_slug_taken` (409)."""
    return await communities.create(session, principal, body)


@router.get(
    "/{community_id}",
    responses=problem_responses(401, 403, 404, 422),
    summary="One exam community",
)
async def get_community(
    community_id: uuid.UUID, principal: CommunityReader, session: CoreSession
) -> CommunityRead:
    return await communities.get(session, principal, community_id)


@router.patch(
    "/{community_id}",
    responses=problem_responses(401, 403, 404, 422),
    summary="Rename, describe, close or reopen an exam community (platform admins)",
)
async def update_community(
    community_id: uuid.UUID, body: CommunityUpdate, principal: CommunityAdmin, session: CoreSession
) -> CommunityRead:
    return await communities.update(session, principal, community_id, body)


@router.post(
    "/{community_id}/join",
    responses=problem_responses(401, 403, 404, 422),
    summary="Join (a student; idempotent, a returning member keeps its number)",
)
async def join_community(
    community_id: uuid.UUID,
    body: JoinBody,
    principal: CommunityMemberDep,
    session: CoreSession,
    runtime: RuntimeDep,
) -> Membership:
    """Problems: `students_only` (403), `community_closed` (403), `member_blocked` (403),
    `anonymity_not_allowed` (403: communities have no anonymous members)."""
    return await communities.join(session, principal, community_id, body, runtime.now())


@router.get(
    "/{community_id}/membership",
    responses=problem_responses(401, 403, 404, 422),
    summary="The caller's own membership",
)
async def community_membership(
    community_id: uuid.UUID, principal: CommunityMemberDep, session: CoreSession
) -> Membership:
    """Problems: `not_a_member` (403)."""
    return await communities.membership(session, principal, community_id)


@router.post(
    "/{community_id}/leave",
    status_code=204,
    responses=problem_responses(401, 403, 404, 422),
    summary="Leave (idempotent)",
)
async def leave_community(
    community_id: uuid.UUID,
    principal: CommunityMemberDep,
    session: CoreSession,
    runtime: RuntimeDep,
) -> Response:
    await communities.leave(session, principal, community_id, runtime.now())
    return Response(status_code=204)


@router.get(
    "/{community_id}/posts",
    responses=problem_responses(401, 403, 404, 422),
    summary="Posts, newest first, paged by cursor",
)
async def community_posts(
    community_id: uuid.UUID,
    principal: CommunityReader,
    session: CoreSession,
    after: After = None,
    limit: Limit = 50,
) -> PostPage:
    """Authors are shown by display name only: no member's user id reaches another member
    (it may be of another tenant). Problems: `invalid_cursor` (422)."""
    return await communities.posts(session, principal, community_id, after=after, limit=limit)


@router.post(
    "/{community_id}/posts",
    status_code=201,
    responses=problem_responses(401, 403, 404, 422),
    summary="Post (a member)",
)
async def create_community_post(
    community_id: uuid.UUID,
    body: PostCreate,
    principal: CommunityMemberDep,
    session: CoreSession,
    runtime: RuntimeDep,
) -> PostRead:
    """Problems: `not_a_member`, `member_blocked`, `member_muted`, `community_closed` (403)."""
    return await communities.post(session, principal, community_id, body.body, runtime.now())


@router.post(
    "/{community_id}/posts/upload",
    status_code=201,
    responses=problem_responses(401, 403, 404, 413, 415, 422),
    openapi_extra=attachments.multipart_body(PostCreate),
    summary="Post with files: multipart, `body` and up to 4 PDF, PNG, JPEG or WebP `files`",
)
async def create_community_post_with_files(
    community_id: uuid.UUID, request: Request, principal: CommunityMemberDep, runtime: RuntimeDep
) -> PostRead:
    """Who may post is checked before the body is read. Each file at most 10 MiB
    (413 `attachment_too_large`); its type is decided from its content (415
    `unsupported_attachment_type`); at most 4 files (422 `too_many_attachments`). The post
    and its files are kept together or not at all. Other problems as `POST .../posts`."""
    core = runtime.kit.core
    await communities.may_post(core, principal, community_id, runtime.now())

    async def write(body: PostCreate, stored: list[attachments.Stored]) -> PostRead:
        async with unit_of_work(core) as session:
            return await communities.post(
                session, principal, community_id, body.body, runtime.now(), stored
            )

    return await attachments.accept(
        request,
        runtime.storage,
        attachments.key_prefix("community-posts", None),
        PostCreate,
        write,
    )


@router.get(
    "/{community_id}/attachments/{attachment_id}",
    response_class=StreamingResponse,
    responses={**attachments.DOWNLOAD_RESPONSE, **problem_responses(401, 403, 404, 422)},
    summary="Download a post's file (whoever reads the posts)",
)
async def community_attachment(
    community_id: uuid.UUID,
    attachment_id: uuid.UUID,
    principal: CommunityReader,
    session: CoreSession,
    runtime: RuntimeDep,
) -> StreamingResponse:
    """Served as its sniffed type, never as a page. Problems: `attachment_not_found` (404:
    also a removed post's)."""
    row = await communities.attachment(session, principal, community_id, attachment_id)
    return await attachments.download(runtime.storage, row)


@router.delete(
    "/{community_id}/posts/{post_id}",
    status_code=204,
    responses=problem_responses(401, 403, 404, 422),
    summary="Remove a post (its author, or a platform admin)",
)
async def remove_community_post(
    community_id: uuid.UUID,
    post_id: uuid.UUID,
    principal: CommunityReader,
    runtime: RuntimeDep,
) -> Response:
    """Problems: `not_your_post` (403), `post_not_found` (404)."""
    # Its files are deleted from the storage once the removal is committed (the rows stay,
    # for the audit: name, type, size, SHA-256).
    async with unit_of_work(runtime.kit.core) as session:
        keys = await communities.remove_post(
            session, principal, community_id, post_id, runtime.now()
        )
    await attachments.discard(runtime.storage, keys)
    return Response(status_code=204)
