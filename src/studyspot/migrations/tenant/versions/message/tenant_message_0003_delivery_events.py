"""message service: provider delivery reports (append-only) and channel fallbacks

Revision ID: tenant_message_0003
Revises: tenant_message_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0003"
down_revision: str | Sequence[str] | None = "tenant_message_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message_deliveries") as batch:
        batch.add_column(
            sa.Column("fallbacks", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    op.create_table(
        "message_delivery_events",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("provider_message_id", sa.String(200), nullable=False),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "delivery_id",
            "state",
            name="uq_message_delivery_events_tenant_id_delivery_id_state",
        ),
    )
    op.create_index(
        "ix_message_delivery_events_tenant_id", "message_delivery_events", ["tenant_id"]
    )
    op.create_index(
        "ix_message_delivery_events_tenant_id_delivery_id",
        "message_delivery_events",
        ["tenant_id", "delivery_id"],
    )
    enable_tenant_rls("message_delivery_events")


def downgrade() -> None:
    disable_tenant_rls("message_delivery_events")
    op.drop_table("message_delivery_events")
    with op.batch_alter_table("message_deliveries") as batch:
        batch.drop_column("fallbacks")
