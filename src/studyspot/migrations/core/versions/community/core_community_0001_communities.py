"""community service: the platform's exam communities, their members and posts

Platform-wide (students of every tenant meet there), so in the core database; see
docs/community.md.

Revision ID: core_community_0001
Revises:
Create Date: 2026-12-07
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_community_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("core_community",)
depends_on: str | Sequence[str] | None = None

# The first list; platform admins edit it from here (POST/PATCH /api/communities).
_EXAMS = (
    ("upsc", "UPSC Civil Services"),
    ("ssc", "SSC"),
    ("banking", "Banking"),
    ("railways", "Railways"),
    ("state-psc", "State PSC"),
    ("neet-jee", "NEET / JEE"),
)


def _member_columns() -> list[sa.Column[object]]:
    return [
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
    ]


def _post_columns() -> list[sa.Column[object]]:
    return [
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
    ]


def upgrade() -> None:
    communities = op.create_table(
        "community_communities",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("slug", name="uq_community_communities_slug"),
    )
    op.create_table(
        "community_members",
        *_member_columns(),
        sa.UniqueConstraint(
            "space_id", "student_id", name="uq_community_members_space_id_student_id"
        ),
        sa.UniqueConstraint("space_id", "number", name="uq_community_members_space_id_number"),
    )
    op.create_index(
        "ix_community_members_tenant_id_student_id",
        "community_members",
        ["tenant_id", "student_id"],
    )
    op.create_table("community_posts", *_post_columns())
    op.create_index(
        "ix_community_posts_space_id_created_at_id",
        "community_posts",
        ["space_id", "created_at", "id"],
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        communities,
        [
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"studyspot:community:{slug}"),
                "slug": slug,
                "name": name,
                "description": None,
                "next_number": 1,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for slug, name in _EXAMS
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_community_posts_space_id_created_at_id", table_name="community_posts")
    op.drop_table("community_posts")
    op.drop_index("ix_community_members_tenant_id_student_id", table_name="community_members")
    op.drop_table("community_members")
    op.drop_table("community_communities")
