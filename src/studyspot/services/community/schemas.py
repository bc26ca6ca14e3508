"""Request and answer bodies of the community service, with their limits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

from studyspot.kit.pagination import Page, PageParams
from studyspot.kit.schemas import ReadModel, WriteModel
from studyspot.services.community.models import (
    ATTACHMENT_NAME_MAX,
    DESCRIPTION_MAX,
    DISPLAY_NAME_MAX,
    MESSAGE_MAX,
    NAME_MAX,
    POST_MAX,
    SUBJECT_MAX,
)

POSTS_PAGE_MAX = 100
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_MAX = 4
MUTE_MAX_MINUTES = 30 * 24 * 60
INVITE_MAX_HOURS = 30 * 24
INVITE_MAX_USES = 1_000
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{32,64}$"
# Names and subjects are one line; texts may hold line breaks and tabs; neither holds other
# control characters (PostgreSQL refuses NUL in text).
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

SpaceKind = Literal["community", "group"]


# --- exam communities ------------------------------------------------------------------


class CommunityCreate(WriteModel):
    slug: str = Field(pattern=SLUG_PATTERN, description="Stable short name, e.g. `upsc`")
    name: str = Field(pattern=ONE_LINE, min_length=1, max_length=NAME_MAX)
    description: str | None = Field(pattern=PRINTABLE, default=None, max_length=DESCRIPTION_MAX)


class CommunityUpdate(WriteModel):
    name: str | None = Field(pattern=ONE_LINE, default=None, min_length=1, max_length=NAME_MAX)
    description: str | None = Field(pattern=PRINTABLE, default=None, max_length=DESCRIPTION_MAX)
    active: bool | None = Field(
        default=None, description="A closed community takes no new members nor posts"
    )


class CommunityRead(ReadModel):
    id: uuid.UUID
    slug: str = Field(max_length=40)
    name: str = Field(max_length=NAME_MAX)
    description: str | None = Field(max_length=DESCRIPTION_MAX)
    active: bool
    created_at: datetime


# --- library groups --------------------------------------------------------------------


class GroupCreate(WriteModel):
    library_id: uuid.UUID
    name: str = Field(pattern=ONE_LINE, min_length=1, max_length=NAME_MAX)
    description: str | None = Field(pattern=PRINTABLE, default=None, max_length=DESCRIPTION_MAX)
    allow_anonymous: bool = Field(
        default=False, description="Members may join anonymously and appear as `Student <n>`"
    )


class GroupUpdate(WriteModel):
    name: str | None = Field(pattern=ONE_LINE, default=None, min_length=1, max_length=NAME_MAX)
    description: str | None = Field(pattern=PRINTABLE, default=None, max_length=DESCRIPTION_MAX)
    allow_anonymous: bool | None = Field(
        default=None,
        description="Turning it off keeps existing anonymous members anonymous",
    )


class GroupRead(ReadModel):
    id: uuid.UUID
    library_id: uuid.UUID
    name: str = Field(max_length=NAME_MAX)
    description: str | None = Field(max_length=DESCRIPTION_MAX)
    allow_anonymous: bool
    created_at: datetime


# --- members ---------------------------------------------------------------------------


class JoinBody(WriteModel):
    display_name: str | None = Field(
        pattern=ONE_LINE,
        default=None,
        min_length=1,
        max_length=DISPLAY_NAME_MAX,
        description="How other members see you (default `Member <n>`); unused when anonymous",
    )
    anonymous: bool = Field(
        default=False,
        description="Groups that allow it only: shown as `Student <n>`, never by name or id",
    )


class InviteJoin(JoinBody):
    token: str = Field(pattern=TOKEN_PATTERN, description="The token of the invite link")


class Membership(BaseModel):
    """The caller's own membership."""

    member_id: uuid.UUID
    space_id: uuid.UUID
    number: int = Field(ge=1, description="Stable per member and space: `Student <number>`")
    label: str = Field(max_length=DISPLAY_NAME_MAX, description="How others see you")
    display_name: str | None = Field(max_length=DISPLAY_NAME_MAX)
    anonymous: bool
    joined_at: datetime
    muted_until: datetime | None
    blocked: bool


class MemberRead(BaseModel):
    """A member as the caller may see it: `student_id` only when its identity is visible to
    the caller (not anonymous, or the caller moderates); mute and block to moderators only."""

    member_id: uuid.UUID
    number: int = Field(ge=1)
    label: str = Field(max_length=DISPLAY_NAME_MAX)
    anonymous: bool
    student_id: uuid.UUID | None
    joined_at: datetime
    muted_until: datetime | None = None
    blocked: bool | None = None


class MemberPage(Page[MemberRead]):
    pass


class MuteBody(WriteModel):
    minutes: int = Field(ge=1, le=MUTE_MAX_MINUTES, description="Muted from now for this long")
    reason: str | None = Field(pattern=PRINTABLE, default=None, max_length=500)


class ReasonBody(WriteModel):
    reason: str | None = Field(pattern=PRINTABLE, default=None, max_length=500)


# --- posts -----------------------------------------------------------------------------


class PostCreate(WriteModel):
    body: str = Field(pattern=PRINTABLE, min_length=1, max_length=POST_MAX)


class Author(BaseModel):
    kind: Literal["student", "library"] = Field(
        description="A member (student), or the library's owner or staff"
    )
    member_id: uuid.UUID | None = Field(description="The author's membership (students)")
    label: str = Field(max_length=DISPLAY_NAME_MAX)
    anonymous: bool
    user_id: uuid.UUID | None = Field(
        description="The author's user id when its identity is visible to the caller"
    )


class AttachmentRead(BaseModel):
    """A file attached to a post or message; its bytes at `download_path`."""

    id: uuid.UUID
    file_name: str = Field(
        max_length=ATTACHMENT_NAME_MAX,
        description="The uploaded name, sanitised, with the extension of `content_type`",
    )
    content_type: Literal["application/pdf", "image/png", "image/jpeg", "image/webp"] = Field(
        description="Decided from the file's content when it was uploaded"
    )
    size_bytes: int = Field(ge=1, le=ATTACHMENT_MAX_BYTES)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    download_path: str = Field(max_length=200, description="GET it with the same token")


class PostRead(BaseModel):
    id: uuid.UUID
    space_id: uuid.UUID
    author: Author
    body: str = Field(max_length=POST_MAX)
    created_at: datetime
    pinned_at: datetime | None
    mine: bool
    attachments: list[AttachmentRead] = Field(default_factory=list, max_length=ATTACHMENTS_MAX)


class PostPage(BaseModel):
    items: list[PostRead]
    next_after: str | None = Field(
        description="Cursor of the following (older) page: pass it as `?after=`; null on the "
        "last page"
    )
    limit: int = Field(ge=1, le=POSTS_PAGE_MAX)


# --- invites ---------------------------------------------------------------------------


class InviteCreate(WriteModel):
    expires_in_hours: int = Field(default=168, ge=1, le=INVITE_MAX_HOURS)
    max_uses: int = Field(default=50, ge=1, le=INVITE_MAX_USES)


class InviteRead(BaseModel):
    id: uuid.UUID
    group_id: uuid.UUID
    expires_at: datetime
    max_uses: int = Field(ge=1, le=INVITE_MAX_USES)
    uses: int = Field(ge=0, le=INVITE_MAX_USES)


class InviteCreated(InviteRead):
    token: str = Field(pattern=TOKEN_PATTERN, description="Shown once: put it in the link")


# --- inbox -----------------------------------------------------------------------------


InboxSide = Literal["student", "library"]


class ThreadCreate(WriteModel):
    library_id: uuid.UUID
    subject: str = Field(pattern=ONE_LINE, min_length=1, max_length=SUBJECT_MAX)
    body: str = Field(pattern=PRINTABLE, min_length=1, max_length=MESSAGE_MAX)


class MessageCreate(WriteModel):
    body: str = Field(pattern=PRINTABLE, min_length=1, max_length=MESSAGE_MAX)


class ThreadRead(BaseModel):
    id: uuid.UUID
    library_id: uuid.UUID
    student_id: uuid.UUID
    subject: str = Field(max_length=SUBJECT_MAX)
    created_at: datetime
    last_message_at: datetime
    student_read_at: datetime | None
    library_read_at: datetime | None
    unread_count: int = Field(
        ge=0, description="Messages of the other side the caller's side has not read"
    )


class ThreadPage(Page[ThreadRead]):
    pass


class MessageRead(BaseModel):
    id: uuid.UUID
    thread_id: uuid.UUID
    side: InboxSide
    sender_type: str = Field(max_length=16)
    sender_id: uuid.UUID
    body: str = Field(max_length=MESSAGE_MAX)
    created_at: datetime
    read_by_other_side: bool = Field(description="Read receipt: the other side has read it")
    attachments: list[AttachmentRead] = Field(default_factory=list, max_length=ATTACHMENTS_MAX)


class MessagePage(Page[MessageRead]):
    pass


class CommunityPage(Page[CommunityRead]):
    pass


class GroupPage(Page[GroupRead]):
    pass


P = TypeVar("P", bound=Page[Any])


def page_of(cls: type[P], items: list[Any], total: int, paging: PageParams) -> P:
    return cls(items=items, total=total, page=paging.page, page_size=paging.page_size)


def apply_changes(row: Any, body: BaseModel) -> list[str]:
    """Set the fields a PATCH body names (null clears only the description); their names."""
    changes = body.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is not None or key == "description":
            setattr(row, key, value)
    return sorted(changes)
