"""community service: attachments of exam-community posts (PDF and images)

Revision ID: core_community_0002
Revises: core_community_0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_community_0002"
down_revision: str | Sequence[str] | None = "core_community_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "community_post_attachments"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(120), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("storage_key", name=f"uq_{TABLE}_storage_key"),
    )
    op.create_index(f"ix_{TABLE}_parent_id", TABLE, ["parent_id"])


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_parent_id", table_name=TABLE)
    op.drop_table(TABLE)
