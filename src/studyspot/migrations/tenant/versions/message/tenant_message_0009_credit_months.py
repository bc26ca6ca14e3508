"""message service: paid messages per month against the plan's monthly message credits

Revision ID: tenant_message_0009
Revises: tenant_message_0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0009"
down_revision: str | Sequence[str] | None = "tenant_message_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_credit_months",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", "month", name="uq_message_credit_months_tenant_id_month"),
    )
    op.create_index("ix_message_credit_months_tenant_id", "message_credit_months", ["tenant_id"])
    enable_tenant_rls("message_credit_months")


def downgrade() -> None:
    disable_tenant_rls("message_credit_months")
    op.drop_table("message_credit_months")
