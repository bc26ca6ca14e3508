"""message service: each business's own fallback order of channels

Revision ID: tenant_message_0008
Revises: tenant_message_0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0008"
down_revision: str | Sequence[str] | None = "tenant_message_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_tenant_settings",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("fallback_order", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.UniqueConstraint("tenant_id", name="uq_message_tenant_settings_tenant_id"),
    )
    op.create_index(
        "ix_message_tenant_settings_tenant_id", "message_tenant_settings", ["tenant_id"]
    )
    enable_tenant_rls("message_tenant_settings")


def downgrade() -> None:
    disable_tenant_rls("message_tenant_settings")
    op.drop_table("message_tenant_settings")
