"""kit table of the tenant database: idempotency keys (studyspot.kit.idempotency)

Revision ID: tenant_kit_0002
Revises: tenant_kit_0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_kit_0002"
down_revision: str | Sequence[str] | None = "tenant_kit_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claim_token", sa.Uuid(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_type", sa.String(64), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "principal_id", "key", name="pk_idempotency_keys"),
        sa.CheckConstraint("status IN ('running', 'done')", name="ck_idempotency_keys_status"),
    )
    op.create_index(
        "ix_idempotency_keys_tenant_id_expires_at", "idempotency_keys", ["tenant_id", "expires_at"]
    )
    # Stored answers are tenant data (a booking, a payment): behind the same wall as the rest.
    enable_tenant_rls("idempotency_keys")


def downgrade() -> None:
    disable_tenant_rls("idempotency_keys")
    op.drop_index("ix_idempotency_keys_tenant_id_expires_at", "idempotency_keys")
    op.drop_table("idempotency_keys")
