"""message service: in-app notifications, language preferences, owners' templates, consent, suppressions

Revision ID: tenant_message_0002
Revises: tenant_message_0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0002"
down_revision: str | Sequence[str] | None = "tenant_message_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TABLES = (
    "message_notifications",
    "message_preferences",
    "message_templates",
    "message_consents",
    "message_suppressions",
)


def upgrade() -> None:
    op.create_table(
        "message_notifications",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("user_type", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("fanned_out_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint(
            "tenant_id",
            "event_id",
            "user_id",
            "kind",
            name="uq_message_notifications_tenant_id_event_id_user_id_kind",
        ),
    )
    op.create_index("ix_message_notifications_tenant_id", "message_notifications", ["tenant_id"])
    op.create_index(
        "ix_message_notifications_tenant_id_user_id_created_at",
        "message_notifications",
        ["tenant_id", "user_id", "created_at"],
    )
    op.create_index(
        "ix_message_notifications_tenant_id_user_id_read_at",
        "message_notifications",
        ["tenant_id", "user_id", "read_at"],
    )
    op.create_index(
        "ix_message_notifications_tenant_id_fanned_out_at",
        "message_notifications",
        ["tenant_id", "fanned_out_at"],
    )
    op.create_table(
        "message_preferences",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id", "user_id", name="uq_message_preferences_tenant_id_user_id"
        ),
    )
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "kind",
            "channel",
            "language",
            name="uq_message_templates_tenant_id_kind_channel_language",
        ),
    )
    op.create_table(
        "message_consents",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("notice_version", sa.String(32), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_type", sa.String(32), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "channel",
            "purpose",
            name="uq_message_consents_tenant_id_user_id_channel_purpose",
        ),
    )
    op.create_table(
        "message_suppressions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.UniqueConstraint(
            "tenant_id",
            "channel",
            "address",
            name="uq_message_suppressions_tenant_id_channel_address",
        ),
    )
    for table in _TABLES[1:]:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
    for table in _TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(_TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
