"""community service: library groups, their members, posts and invite links; the inbox

Revision ID: tenant_community_0001
Revises:
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_community_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("tenant_community",)
depends_on: str | Sequence[str] | None = ("tenant_kit_0001",)

_TABLES = (
    "community_groups",
    "community_group_members",
    "community_group_posts",
    "community_invites",
    "community_inbox_threads",
    "community_inbox_messages",
)


def upgrade() -> None:
    op.create_table(
        "community_groups",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.Column("allow_anonymous", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_community_groups_tenant_id", "community_groups", ["tenant_id"])
    op.create_index(
        "ix_community_groups_tenant_id_library_id", "community_groups", ["tenant_id", "library_id"]
    )
    op.create_table(
        "community_group_members",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(60), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("left_at", UTCDateTime(), nullable=True),
        sa.Column("muted_until", UTCDateTime(), nullable=True),
        sa.Column("blocked_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint(
            "space_id", "student_id", name="uq_community_group_members_space_id_student_id"
        ),
        sa.UniqueConstraint(
            "space_id", "number", name="uq_community_group_members_space_id_number"
        ),
    )
    op.create_index(
        "ix_community_group_members_tenant_id", "community_group_members", ["tenant_id"]
    )
    op.create_index(
        "ix_community_group_members_tenant_id_student_id",
        "community_group_members",
        ["tenant_id", "student_id"],
    )
    op.create_table(
        "community_group_posts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("space_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("author_type", sa.String(16), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("pinned_at", UTCDateTime(), nullable=True),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.Column("removed_by", sa.Uuid(), nullable=True),
    )
    op.create_index("ix_community_group_posts_tenant_id", "community_group_posts", ["tenant_id"])
    op.create_index(
        "ix_community_group_posts_space_id_created_at_id",
        "community_group_posts",
        ["space_id", "created_at", "id"],
    )
    op.create_table(
        "community_invites",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_community_invites_token_hash"),
    )
    op.create_index("ix_community_invites_tenant_id", "community_invites", ["tenant_id"])
    op.create_table(
        "community_inbox_threads",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("library_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_message_at", UTCDateTime(), nullable=False),
        sa.Column("student_read_at", UTCDateTime(), nullable=True),
        sa.Column("staff_read_at", UTCDateTime(), nullable=True),
    )
    op.create_index(
        "ix_community_inbox_threads_tenant_id", "community_inbox_threads", ["tenant_id"]
    )
    for column in ("library_id", "student_id"):
        op.create_index(
            f"ix_community_inbox_threads_tenant_id_{column}_last_message_at",
            "community_inbox_threads",
            ["tenant_id", column, "last_message_at"],
        )
    op.create_table(
        "community_inbox_messages",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("sender_type", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_community_inbox_messages_tenant_id", "community_inbox_messages", ["tenant_id"]
    )
    op.create_index(
        "ix_community_inbox_messages_thread_id_created_at",
        "community_inbox_messages",
        ["thread_id", "created_at"],
    )
    for table in _TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(_TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
