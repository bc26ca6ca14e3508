"""message service: the branches a broadcast went to, so only their managers read its report

Revision ID: tenant_message_0010
Revises: tenant_message_0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tenant_message_0010"
down_revision: str | Sequence[str] | None = "tenant_message_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Broadcasts made before this column have no branches recorded: only owners read them.
    with op.batch_alter_table("message_broadcasts") as batch:
        batch.add_column(
            sa.Column("library_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("message_broadcasts") as batch:
        batch.drop_column("library_ids")
