"""message service: whose sender account a webhook address names

Provider callbacks to a business's own webhook address carry only the URL's opaque id;
this table (ids only) says which tenant and channel it is, and the tenant's own account
is then checked.

Revision ID: core_message_0002
Revises: core_message_0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_message_0002"
down_revision: str | Sequence[str] | None = "core_message_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_webhook_routes",
        sa.Column("webhook_id", sa.String(32), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("message_webhook_routes")
