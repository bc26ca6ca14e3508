"""message service: each tenant's own sender accounts (SMTP, MSG91, WhatsApp)

Revision ID: tenant_message_0006
Revises: tenant_message_0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0006"
down_revision: str | Sequence[str] | None = "tenant_message_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_sender_accounts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secret_ciphertext", sa.String(2000), nullable=True),
        sa.Column("webhook_secret_ciphertext", sa.String(600), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id", "channel", name="uq_message_sender_accounts_tenant_id_channel"
        ),
        sa.CheckConstraint(
            "channel IN ('email', 'sms', 'whatsapp')", name="ck_message_sender_accounts_channel"
        ),
    )
    op.create_index(
        "ix_message_sender_accounts_tenant_id", "message_sender_accounts", ["tenant_id"]
    )
    enable_tenant_rls("message_sender_accounts")


def downgrade() -> None:
    disable_tenant_rls("message_sender_accounts")
    op.drop_table("message_sender_accounts")
