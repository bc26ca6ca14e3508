"""`/api/groups/inbox/*`: a student's conversations with its library."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from studyspot.kit.auth import TenantSession
from studyspot.kit.errors import problem_responses
from studyspot.kit.pagination import Paging
from studyspot.services.community import attachments, inbox
from studyspot.services.community.dependencies import InboxRead, InboxWrite, RuntimeDep
from studyspot.services.community.schemas import (
    MessageCreate,
    MessagePage,
    MessageRead,
    ThreadCreate,
    ThreadPage,
    ThreadRead,
)

router = APIRouter(prefix="/api/groups/inbox", tags=["inbox"])


@router.post(
    "/threads",
    status_code=201,
    responses=problem_responses(401, 403, 404, 422, 503),
    summary="Write to a library (a student; the sender is the caller)",
)
async def start_thread(body: ThreadCreate, viewer: InboxWrite, runtime: RuntimeDep) -> ThreadRead:
    """Problems: `students_only` (403), `library_not_found` (404)."""
    return await inbox.start(runtime, viewer, body)


@router.post(
    "/threads/upload",
    status_code=201,
    responses=problem_responses(401, 403, 404, 413, 415, 422, 503),
    openapi_extra=attachments.multipart_body(ThreadCreate),
    summary="Write to a library with files: multipart, the fields of `POST /threads` and "
    "up to 4 PDF, PNG, JPEG or WebP `files`",
)
async def start_thread_with_files(
    request: Request, viewer: InboxWrite, runtime: RuntimeDep
) -> ThreadRead:
    """A student only (checked before the body is read). Each file at most 10 MiB (413
    `attachment_too_large`); its type is decided from its content (415
    `unsupported_attachment_type`); at most 4 files (422 `too_many_attachments`). The
    conversation, its first message and the files are kept together or not at all. Other
    problems as `POST /threads`."""
    viewer.require_student()
    return await attachments.accept(
        request,
        runtime.storage,
        attachments.key_prefix("inbox", viewer.tenant_id),
        ThreadCreate,
        lambda body, stored: inbox.start(runtime, viewer, body, stored),
    )


@router.get(
    "/threads",
    responses=problem_responses(401, 403, 422),
    summary="Conversations, latest first, with the caller's side's unread count",
)
async def list_threads(
    viewer: InboxRead,
    session: TenantSession,
    paging: Paging,
    library_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ThreadPage:
    """A student its own; the owner every branch's; staff their branches' only."""
    return await inbox.listing(session, viewer, paging, library_id)


@router.get(
    "/threads/{thread_id}",
    responses=problem_responses(401, 403, 404, 422),
    summary="One conversation",
)
async def get_thread(thread_id: uuid.UUID, viewer: InboxRead, session: TenantSession) -> ThreadRead:
    """Problems: `thread_not_found` (404: also another student's, or another branch's)."""
    return await inbox.thread(session, viewer, thread_id)


@router.get(
    "/threads/{thread_id}/messages",
    responses=problem_responses(401, 403, 404, 422),
    summary="A conversation's messages, oldest first, with read receipts",
)
async def thread_messages(
    thread_id: uuid.UUID, viewer: InboxRead, session: TenantSession, paging: Paging
) -> MessagePage:
    return await inbox.messages(session, viewer, thread_id, paging)


@router.post(
    "/threads/{thread_id}/messages",
    status_code=201,
    responses=problem_responses(401, 403, 404, 422),
    summary="Write in a conversation (the student, or the library's owner or staff)",
)
async def reply(
    thread_id: uuid.UUID,
    body: MessageCreate,
    viewer: InboxWrite,
    session: TenantSession,
    runtime: RuntimeDep,
) -> MessageRead:
    return await inbox.reply(session, viewer, thread_id, body.body, runtime.now())


@router.post(
    "/threads/{thread_id}/messages/upload",
    status_code=201,
    responses=problem_responses(401, 403, 404, 413, 415, 422),
    openapi_extra=attachments.multipart_body(MessageCreate),
    summary="Write with files: multipart, `body` and up to 4 PDF, PNG, JPEG or WebP `files`",
)
async def reply_with_files(
    thread_id: uuid.UUID, request: Request, viewer: InboxWrite, runtime: RuntimeDep
) -> MessageRead:
    """Who may write is checked before the body is read. Each file at most 10 MiB (413
    `attachment_too_large`); its type is decided from its content (415
    `unsupported_attachment_type`); at most 4 files (422 `too_many_attachments`). The
    message and its files are kept together or not at all."""
    await inbox.may_write(runtime, viewer, thread_id)
    return await attachments.accept(
        request,
        runtime.storage,
        attachments.key_prefix("inbox", viewer.tenant_id),
        MessageCreate,
        lambda body, stored: inbox.reply_with_files(runtime, viewer, thread_id, body.body, stored),
    )


@router.get(
    "/threads/{thread_id}/attachments/{attachment_id}",
    response_class=StreamingResponse,
    responses={**attachments.DOWNLOAD_RESPONSE, **problem_responses(401, 403, 404, 422)},
    summary="Download a message's file (the student, the library's owner and staff)",
)
async def thread_attachment(
    thread_id: uuid.UUID,
    attachment_id: uuid.UUID,
    viewer: InboxRead,
    session: TenantSession,
    runtime: RuntimeDep,
) -> StreamingResponse:
    """Served as its sniffed type, never as a page. Problems: `attachment_not_found`,
    `thread_not_found` (404)."""
    row = await inbox.attachment(session, viewer, thread_id, attachment_id)
    return await attachments.download(runtime.storage, row)


@router.post(
    "/threads/{thread_id}/read",
    responses=problem_responses(401, 403, 404, 422),
    summary="Mark the conversation read for the caller's side (read receipt)",
)
async def mark_read(
    thread_id: uuid.UUID, viewer: InboxRead, session: TenantSession, runtime: RuntimeDep
) -> ThreadRead:
    return await inbox.mark_read(session, viewer, thread_id, runtime.now())
