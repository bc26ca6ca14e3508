"""payment service: the last reconciliation pass over each tenant

One row per tenant, replaced by every pass of the reconciler (periodic job or
`studyspot payments reconcile`), read by GET /api/v1/payments/reconciliation/status.

Revision ID: tenant_payment_0003
Revises: tenant_payment_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_payment_0003"
down_revision: str | Sequence[str] | None = "tenant_payment_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "payment_reconciliation_status"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("by_library", sa.JSON(), nullable=False),
        sa.Column("next_run_due_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("trigger IN ('periodic', 'command')", name=f"ck_{_TABLE}_trigger"),
        sa.CheckConstraint(
            "outcome IN ('succeeded', 'partial', 'failed')", name=f"ck_{_TABLE}_outcome"
        ),
    )
    enable_tenant_rls(_TABLE)


def downgrade() -> None:
    disable_tenant_rls(_TABLE)
    op.drop_table(_TABLE)
