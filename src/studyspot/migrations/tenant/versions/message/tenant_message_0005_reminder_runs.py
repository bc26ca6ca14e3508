"""message service: the days each tenant's fee reminders were made

Revision ID: tenant_message_0005
Revises: tenant_message_0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0005"
down_revision: str | Sequence[str] | None = "tenant_message_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_reminder_runs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", "day", name="uq_message_reminder_runs_tenant_id_day"),
    )
    op.create_index("ix_message_reminder_runs_tenant_id", "message_reminder_runs", ["tenant_id"])
    enable_tenant_rls("message_reminder_runs")


def downgrade() -> None:
    disable_tenant_rls("message_reminder_runs")
    op.drop_table("message_reminder_runs")
