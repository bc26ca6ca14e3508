"""Tables the community service owns.

A *space* is where members post: an exam community (platform-wide) or a library group (one
tenant's). Both keep members and posts with the same columns (`MemberColumns`,
`PostColumns`), so one piece of code (`spaces.py`) joins, posts and lists for either.

Core database (platform-wide: members come from every tenant; docs/community.md says why):
- `community_communities`: the exam communities platform admins keep (UPSC, SSC, ...).
- `community_members`, `community_posts`: their members and posts; `tenant_id` is the
  member's (author's) tenant, not a wall: these rows are shared by the platform.

Tenant databases (row-level security, `tenant_id` on every row):
- `community_groups`: a library's groups.
- `community_group_members`, `community_group_posts`: their members and posts.
- `community_invites`: invite links (only the SHA-256 of the token is kept).
- `community_inbox_threads`, `community_inbox_messages`: a student's conversations with
  its library, with each side's last read time.

Attachments (PDF and images) are one table per kind of parent, keyed by the parent's id
(`parent_id`): `community_post_attachments` (core), `community_group_post_attachments` and
`community_inbox_attachments` (tenant). A row names the blob in the storage
(`kit/storage.py`) and what was found when it was received: the sniffed type, size, SHA-256.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from studyspot.kit.models import (
    CoreBase,
    IdMixin,
    TenantBase,
    TenantMixin,
    TimestampMixin,
    UTCDateTime,
    utcnow,
)

NAME_MAX = 80
DESCRIPTION_MAX = 500
DISPLAY_NAME_MAX = 60
POST_MAX = 4_000
MESSAGE_MAX = 4_000
SUBJECT_MAX = 200
ATTACHMENT_NAME_MAX = 120


class AttachmentColumns:
    """A file attached to a post or message: the blob is in the storage under `storage_key`."""

    # The post (or inbox message) it belongs to; written in the same transaction.
    parent_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    # Order among its parent's attachments (0-based, as uploaded).
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    storage_key: Mapped[str] = mapped_column(String(200), nullable=False)
    # Sniffed from the bytes (never the client's word): application/pdf, image/png, ...
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    # The client's file name, sanitised, with the extension of the sniffed type.
    file_name: Mapped[str] = mapped_column(String(ATTACHMENT_NAME_MAX), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[object, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (
            Index(f"ix_{name}_parent_id", "parent_id"),
            UniqueConstraint("storage_key", name=f"uq_{name}_storage_key"),
        )


class SpaceColumns:
    """What a community and a group both keep: a name and the next member number."""

    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    description: Mapped[str | None] = mapped_column(String(DESCRIPTION_MAX))
    # The number the next new member gets ("Student 17"): never reused, stable per member.
    next_number: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class MemberColumns:
    """A student in a space. The row stays when it leaves, so its number stays its own."""

    space_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    # Null for an anonymous member: it is shown as "Student <number>" and has no name here.
    display_name: Mapped[str | None] = mapped_column(String(DISPLAY_NAME_MAX))
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @declared_attr.directive
    def __table_args__(cls) -> tuple[object, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (
            UniqueConstraint("space_id", "student_id", name=f"uq_{name}_space_id_student_id"),
            UniqueConstraint("space_id", "number", name=f"uq_{name}_space_id_number"),
            Index(f"ix_{name}_tenant_id_student_id", "tenant_id", "student_id"),
        )


class PostColumns:
    """A post in a space, by a member (a student) or by the library's staff or owner."""

    space_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    # The author's membership (null for staff and owners, who post without joining).
    member_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    author_type: Mapped[str] = mapped_column(String(16), nullable=False)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[object, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (Index(f"ix_{name}_space_id_created_at_id", "space_id", "created_at", "id"),)


# --- core database: platform-wide exam communities -------------------------------------


class Community(IdMixin, SpaceColumns, TimestampMixin, CoreBase):
    __tablename__ = "community_communities"
    __table_args__ = (UniqueConstraint("slug", name="uq_community_communities_slug"),)

    slug: Mapped[str] = mapped_column(String(40), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class CommunityMember(IdMixin, MemberColumns, CoreBase):
    __tablename__ = "community_members"

    # The member's tenant (a student belongs to one); not a row-level wall here.
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class CommunityPost(IdMixin, PostColumns, CoreBase):
    __tablename__ = "community_posts"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class CommunityPostAttachment(IdMixin, AttachmentColumns, CoreBase):
    __tablename__ = "community_post_attachments"

    # The author's tenant, as on the post: not a wall here.
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


# --- tenant databases: library groups and the inbox ------------------------------------


class Group(IdMixin, TenantMixin, SpaceColumns, TimestampMixin, TenantBase):
    __tablename__ = "community_groups"
    __table_args__ = (Index("ix_community_groups_tenant_id_library_id", "tenant_id", "library_id"),)

    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    allow_anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class GroupMember(IdMixin, TenantMixin, MemberColumns, TenantBase):
    __tablename__ = "community_group_members"


class GroupPost(IdMixin, TenantMixin, PostColumns, TenantBase):
    __tablename__ = "community_group_posts"


class Invite(IdMixin, TenantMixin, TenantBase):
    __tablename__ = "community_invites"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_community_invites_token_hash"),)

    group_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    # SHA-256 of the token: the token itself is shown once, when the link is made.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    max_uses: Mapped[int] = mapped_column(Integer, nullable=False)
    uses: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class InboxThread(IdMixin, TenantMixin, TenantBase):
    __tablename__ = "community_inbox_threads"
    __table_args__ = (
        Index(
            "ix_community_inbox_threads_tenant_id_library_id_last_message_at",
            "tenant_id",
            "library_id",
            "last_message_at",
        ),
        Index(
            "ix_community_inbox_threads_tenant_id_student_id_last_message_at",
            "tenant_id",
            "student_id",
            "last_message_at",
        ),
    )

    library_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # Read receipts: each side has read every message up to its time.
    student_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    staff_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InboxMessage(IdMixin, TenantMixin, TenantBase):
    __tablename__ = "community_inbox_messages"
    __table_args__ = (
        Index("ix_community_inbox_messages_thread_id_created_at", "thread_id", "created_at"),
    )

    thread_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    # `student` or `library` (the owner or a staff member answering for the library).
    side: Mapped[str] = mapped_column(String(8), nullable=False)
    sender_type: Mapped[str] = mapped_column(String(16), nullable=False)
    sender_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class GroupPostAttachment(IdMixin, TenantMixin, AttachmentColumns, TenantBase):
    __tablename__ = "community_group_post_attachments"


class InboxAttachment(IdMixin, TenantMixin, AttachmentColumns, TenantBase):
    __tablename__ = "community_inbox_attachments"
