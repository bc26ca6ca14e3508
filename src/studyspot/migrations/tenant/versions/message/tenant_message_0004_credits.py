"""message service: credits for the paid channels (account and append-only ledger), broadcasts

Revision ID: tenant_message_0004
Revises: tenant_message_0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0004"
down_revision: str | Sequence[str] | None = "tenant_message_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("message_credit_accounts", "message_credit_entries", "message_broadcasts")


def upgrade() -> None:
    with op.batch_alter_table("message_deliveries") as batch:
        batch.add_column(sa.Column("cost_paise", sa.Integer(), nullable=True))
    op.create_table(
        "message_credit_accounts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("balance_paise", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", name="uq_message_credit_accounts_tenant_id"),
        sa.CheckConstraint("balance_paise >= 0", name="ck_message_credit_accounts_not_overdrawn"),
    )
    op.create_table(
        "message_credit_entries",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("entry", sa.String(16), nullable=False),
        sa.Column("amount_paise", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id",
            "delivery_id",
            "entry",
            name="uq_message_credit_entries_tenant_id_delivery_id_entry",
        ),
    )
    op.create_index(
        "ix_message_credit_accounts_tenant_id", "message_credit_accounts", ["tenant_id"]
    )
    op.create_index("ix_message_credit_entries_tenant_id", "message_credit_entries", ["tenant_id"])
    op.create_index(
        "ix_message_credit_entries_tenant_id_created_at",
        "message_credit_entries",
        ["tenant_id", "created_at"],
    )
    op.create_table(
        "message_broadcasts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("cost_paise", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_message_broadcasts_tenant_id", "message_broadcasts", ["tenant_id"])
    op.create_index(
        "ix_message_broadcasts_tenant_id_created_at",
        "message_broadcasts",
        ["tenant_id", "created_at"],
    )
    for table in _TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(_TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
    with op.batch_alter_table("message_deliveries") as batch:
        batch.drop_column("cost_paise")
