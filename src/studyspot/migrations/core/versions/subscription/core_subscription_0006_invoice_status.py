"""subscription service: invoices say paid, unpaid or void and keep their GST rate; an
upgrade charge keeps the plan version bought and when it lapses unpaid

Revision ID: core_subscription_0006
Revises: core_subscription_0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_subscription_0006"
down_revision: str | Sequence[str] | None = "core_subscription_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscription_invoices") as batch:
        # Every invoice issued so far was issued at 18 % (the only rate ever configured) and,
        # but for an upgrade's invoice to a tenant paying by invoice, for a payment received.
        batch.add_column(
            sa.Column("gst_rate_bps", sa.Integer(), nullable=False, server_default="1800")
        )
        batch.add_column(sa.Column("status", sa.String(8), nullable=False, server_default="paid"))
        batch.add_column(sa.Column("paid_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("payment_reference", sa.String(100), nullable=True))
    op.execute(
        "UPDATE subscription_invoices SET status = 'unpaid' WHERE id IN ("
        "SELECT invoice_id FROM subscription_upgrade_charges "
        "WHERE status = 'invoiced' AND invoice_id IS NOT NULL)"
    )
    op.execute("UPDATE subscription_invoices SET paid_at = issued_at WHERE status = 'paid'")
    with op.batch_alter_table("subscription_upgrade_charges") as batch:
        # NULL: an upgrade made before this version, whose plan was applied when it was
        # confirmed; it never lapses and its payment only settles it.
        batch.add_column(sa.Column("to_plan_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscription_upgrade_charges") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("to_plan_version")
    with op.batch_alter_table("subscription_invoices") as batch:
        batch.drop_column("payment_reference")
        batch.drop_column("paid_at")
        batch.drop_column("status")
        batch.drop_column("gst_rate_bps")
