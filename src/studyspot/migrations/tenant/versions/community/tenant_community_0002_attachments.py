"""community service: attachments of group posts and inbox messages (PDF and images)

Revision ID: tenant_community_0002
Revises: tenant_community_0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_community_0002"
down_revision: str | Sequence[str] | None = "tenant_community_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("community_group_post_attachments", "community_inbox_attachments")


def upgrade() -> None:
    for table in _TABLES:
        op.create_table(
            table,
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
            sa.UniqueConstraint("storage_key", name=f"uq_{table}_storage_key"),
        )
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        op.create_index(f"ix_{table}_parent_id", table, ["parent_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(_TABLES):
        disable_tenant_rls(table)
        op.drop_index(f"ix_{table}_parent_id", table_name=table)
        op.drop_index(f"ix_{table}_tenant_id", table_name=table)
        op.drop_table(table)
