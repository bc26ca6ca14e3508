"""The inbox: a student writes to its library, the library's owner and staff answer in the
thread. The sender is always the caller (from the token). Each side has a read time (read
receipts), and an unread count is what the other side wrote after it. Staff reach the
threads of their branches only; another branch's thread is a 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import unit_of_work
from studyspot.kit.pagination import PageParams, paginate
from studyspot.services.community import attachments, events
from studyspot.services.community.access import Viewer
from studyspot.services.community.errors import (
    AttachmentNotFound,
    LibraryNotFound,
    ThreadNotFound,
)
from studyspot.services.community.models import InboxAttachment, InboxMessage, InboxThread
from studyspot.services.community.runtime import Runtime
from studyspot.services.community.schemas import (
    InboxSide,
    MessagePage,
    MessageRead,
    ThreadCreate,
    ThreadPage,
    ThreadRead,
    page_of,
)


def side_of(viewer: Viewer) -> InboxSide:
    if viewer.is_student:
        return "student"
    viewer.require_library_side()
    return "library"


def _read_at(thread: InboxThread, side: InboxSide) -> datetime | None:
    return thread.student_read_at if side == "student" else thread.staff_read_at


def _other(side: InboxSide) -> InboxSide:
    return "library" if side == "student" else "student"


def _thread_read(thread: InboxThread, unread: int) -> ThreadRead:
    return ThreadRead(
        id=thread.id,
        library_id=thread.library_id,
        student_id=thread.student_id,
        subject=thread.subject,
        created_at=thread.created_at,
        last_message_at=thread.last_message_at,
        student_read_at=thread.student_read_at,
        library_read_at=thread.staff_read_at,
        unread_count=unread,
    )


def thread_path(thread_id: uuid.UUID) -> str:
    return f"/api/groups/inbox/threads/{thread_id}"


def _message_read(
    message: InboxMessage, thread: InboxThread, files: Sequence[Any] = ()
) -> MessageRead:
    other = _read_at(thread, _other("student" if message.side == "student" else "library"))
    return MessageRead(
        id=message.id,
        thread_id=message.thread_id,
        side="student" if message.side == "student" else "library",
        sender_type=message.sender_type,
        sender_id=message.sender_id,
        body=message.body,
        created_at=message.created_at,
        read_by_other_side=other is not None and other >= message.created_at,
        attachments=[attachments.read(f, thread_path(thread.id)) for f in files],
    )


async def _unread(session: AsyncSession, thread: InboxThread, side: InboxSide) -> int:
    since = _read_at(thread, side)
    query = select(func.count()).where(
        InboxMessage.tenant_id == thread.tenant_id,
        InboxMessage.thread_id == thread.id,
        InboxMessage.side == _other(side),
    )
    if since is not None:
        query = query.where(InboxMessage.created_at > since)
    return int(await session.scalar(query) or 0)


async def visible(
    session: AsyncSession, viewer: Viewer, thread_id: uuid.UUID, *, for_update: bool = False
) -> InboxThread:
    """The student's own thread, or one of a branch the caller reaches; 404 otherwise."""
    query = select(InboxThread).where(
        InboxThread.tenant_id == viewer.tenant_id, InboxThread.id == thread_id
    )
    if for_update:
        query = query.with_for_update()
    thread = (await session.scalars(query)).first()
    if thread is None:
        raise ThreadNotFound()
    if viewer.is_student:
        if thread.student_id != viewer.user_id:
            raise ThreadNotFound()
    elif not viewer.reaches(thread.library_id):
        raise ThreadNotFound()
    return thread


async def _add(
    session: AsyncSession,
    viewer: Viewer,
    thread: InboxThread,
    body: str,
    now: datetime,
    stored: Sequence[attachments.Stored] = (),
) -> MessageRead:
    side = side_of(viewer)
    message = InboxMessage(
        id=uuid.uuid4(),
        tenant_id=viewer.tenant_id,
        thread_id=thread.id,
        side=side,
        sender_type=viewer.principal.user_type,
        sender_id=viewer.user_id,
        body=body,
        created_at=now,
    )
    session.add(message)
    files = attachments.rows(InboxAttachment, viewer.tenant_id, message.id, stored, now)
    session.add_all(files)
    thread.last_message_at = now
    # Writing is reading everything before one's own message.
    if side == "student":
        thread.student_read_at = now
    else:
        thread.staff_read_at = now
    await session.flush()
    await events.emit(
        session,
        events.INBOX_MESSAGE,
        events.InboxMessagePosted(
            thread_id=thread.id,
            message_id=message.id,
            library_id=thread.library_id,
            student_id=thread.student_id,
            side=side,
            sender_id=viewer.user_id,
            created_at=now,
        ),
        tenant_id=viewer.tenant_id,
    )
    return _message_read(message, thread, files)


async def start(
    runtime: Runtime,
    viewer: Viewer,
    body: ThreadCreate,
    stored: Sequence[attachments.Stored] = (),
) -> ThreadRead:
    """A student's new conversation with a library of its tenant (its first message with the
    files already in the storage, if any)."""
    student_id = viewer.require_student()
    if await runtime.upstream.find_library(viewer.tenant_id, body.library_id) is None:
        raise LibraryNotFound()
    now = runtime.now()
    db = await runtime.database(viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        thread = InboxThread(
            id=uuid.uuid4(),
            tenant_id=viewer.tenant_id,
            library_id=body.library_id,
            student_id=student_id,
            subject=body.subject,
            created_at=now,
            last_message_at=now,
        )
        session.add(thread)
        await session.flush()
        await _add(session, viewer, thread, body.body, now, stored)
        return _thread_read(thread, 0)


async def reply(
    session: AsyncSession,
    viewer: Viewer,
    thread_id: uuid.UUID,
    body: str,
    now: datetime,
    stored: Sequence[attachments.Stored] = (),
) -> MessageRead:
    thread = await visible(session, viewer, thread_id, for_update=True)
    return await _add(session, viewer, thread, body, now, stored)


async def may_write(runtime: Runtime, viewer: Viewer, thread_id: uuid.UUID) -> None:
    """Checked before anything is read of an upload: the caller's own thread (a student) or
    one of its branches (the library side)."""
    side_of(viewer)
    db = await runtime.database(viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
        await visible(session, viewer, thread_id)


async def reply_with_files(
    runtime: Runtime,
    viewer: Viewer,
    thread_id: uuid.UUID,
    body: str,
    stored: Sequence[attachments.Stored],
) -> MessageRead:
    db = await runtime.database(viewer)
    async with unit_of_work(db, tenant_id=viewer.tenant_id) as session:
        return await reply(session, viewer, thread_id, body, runtime.now(), stored)


async def attachment(
    session: AsyncSession, viewer: Viewer, thread_id: uuid.UUID, attachment_id: uuid.UUID
) -> Any:
    """An attachment of a message of a thread the caller may read."""
    found = await visible(session, viewer, thread_id)
    row = await attachments.find(session, InboxAttachment, viewer.tenant_id, attachment_id)
    message = await session.scalar(
        select(InboxMessage.id).where(
            InboxMessage.tenant_id == viewer.tenant_id,
            InboxMessage.id == row.parent_id,
            InboxMessage.thread_id == found.id,
        )
    )
    if message is None:
        raise AttachmentNotFound()
    return row


async def listing(
    session: AsyncSession, viewer: Viewer, paging: PageParams, library_id: uuid.UUID | None
) -> ThreadPage:
    side = side_of(viewer)
    query = select(InboxThread).where(InboxThread.tenant_id == viewer.tenant_id)
    if viewer.is_student:
        query = query.where(InboxThread.student_id == viewer.user_id)
    elif viewer.library_ids is not None:
        query = query.where(InboxThread.library_id.in_(sorted(viewer.library_ids)))
    if library_id is not None:
        query = query.where(InboxThread.library_id == library_id)
    rows, total = await paginate(
        session, query, paging, [InboxThread.last_message_at.desc(), InboxThread.id]
    )
    return page_of(
        ThreadPage, [_thread_read(t, await _unread(session, t, side)) for t in rows], total, paging
    )


async def thread(session: AsyncSession, viewer: Viewer, thread_id: uuid.UUID) -> ThreadRead:
    found = await visible(session, viewer, thread_id)
    return _thread_read(found, await _unread(session, found, side_of(viewer)))


async def messages(
    session: AsyncSession, viewer: Viewer, thread_id: uuid.UUID, paging: PageParams
) -> MessagePage:
    """Oldest first. Reading does not mark read: `POST .../read` does."""
    found = await visible(session, viewer, thread_id)
    query = select(InboxMessage).where(
        InboxMessage.tenant_id == viewer.tenant_id, InboxMessage.thread_id == found.id
    )
    rows, total = await paginate(session, query, paging, [InboxMessage.created_at, InboxMessage.id])
    files = await attachments.of_parents(
        session, InboxAttachment, viewer.tenant_id, [m.id for m in rows]
    )
    items = [_message_read(m, found, files.get(m.id, [])) for m in rows]
    return page_of(MessagePage, items, total, paging)


async def mark_read(
    session: AsyncSession, viewer: Viewer, thread_id: uuid.UUID, now: datetime
) -> ThreadRead:
    """The caller's side has read the thread up to now (never moves back)."""
    found = await visible(session, viewer, thread_id, for_update=True)
    side = side_of(viewer)
    if side == "student":
        found.student_read_at = max(found.student_read_at or now, now)
    else:
        found.staff_read_at = max(found.staff_read_at or now, now)
    await session.flush()
    return _thread_read(found, 0)
