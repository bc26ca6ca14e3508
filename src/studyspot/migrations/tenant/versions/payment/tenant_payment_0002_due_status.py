"""payment service: a due's status (open, cancelled, expired), when it closed, transfer adjustments

Dues are now made from `booking.created` and closed by `booking.cancelled`,
`booking.expired` and `booking.confirmation_failed`; transfers add their price
difference to `adjustment_paise`. Existing rows stay open with no adjustment.

Revision ID: tenant_payment_0002
Revises: tenant_payment_0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "tenant_payment_0002"
down_revision: str | Sequence[str] | None = "tenant_payment_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHECK = "ck_payment_dues_status"
_INDEX = "ix_payment_dues_tenant_id_status_due_date"


def upgrade() -> None:
    # Batch mode: SQLite can add a CHECK constraint only by rebuilding the table.
    with op.batch_alter_table("payment_dues") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="open"))
        batch.add_column(sa.Column("closed_at", UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("adjustment_paise", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.create_check_constraint(_CHECK, "status IN ('open', 'cancelled', 'expired')")
    op.create_index(_INDEX, "payment_dues", ["tenant_id", "status", "due_date"])


def downgrade() -> None:
    op.drop_index(_INDEX, "payment_dues")
    with op.batch_alter_table("payment_dues") as batch:
        batch.drop_constraint(_CHECK, type_="check")
        batch.drop_column("adjustment_paise")
        batch.drop_column("closed_at")
        batch.drop_column("status")
