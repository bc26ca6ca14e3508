"""message service: deliveries (one message to one recipient over one channel)

Revision ID: tenant_message_0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("tenant_message",)
depends_on: str | Sequence[str] | None = ("tenant_kit_0001",)


def upgrade() -> None:
    op.create_table(
        "message_deliveries",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("recipient_user_id", sa.Uuid(), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("provider", sa.String(32), nullable=True),
        sa.Column("provider_message_id", sa.String(200), nullable=True),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "event_id",
            "recipient",
            "channel",
            name="uq_message_deliveries_tenant_id_event_id_recipient_channel",
        ),
    )
    op.create_index("ix_message_deliveries_tenant_id", "message_deliveries", ["tenant_id"])
    op.create_index(
        "ix_message_deliveries_tenant_id_status_next_attempt_at",
        "message_deliveries",
        ["tenant_id", "status", "next_attempt_at"],
    )
    op.create_index(
        "ix_message_deliveries_tenant_id_created_at",
        "message_deliveries",
        ["tenant_id", "created_at"],
    )
    enable_tenant_rls("message_deliveries")


def downgrade() -> None:
    disable_tenant_rls("message_deliveries")
    op.drop_table("message_deliveries")
