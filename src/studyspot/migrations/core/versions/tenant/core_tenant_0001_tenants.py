"""tenant service: the tenants table of the core database

Revision ID: core_tenant_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_tenant_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("core_tenant",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("database_key", sa.String(48), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(16), nullable=True),
        sa.Column("gstin", sa.String(15), nullable=True),
        sa.Column("plan_code", sa.String(32), nullable=False),
        sa.Column("trial_ends_at", UTCDateTime(), nullable=True),
        sa.Column("max_libraries", sa.Integer(), nullable=False),
        sa.Column("max_seats", sa.Integer(), nullable=False),
        sa.Column("max_students", sa.Integer(), nullable=False),
        sa.Column("suspended_at", UTCDateTime(), nullable=True),
        sa.Column("suspension_reason", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("slug", name="uq_tenants_slug"),
        sa.UniqueConstraint("database_key", name="uq_tenants_database_key"),
        sa.CheckConstraint(
            "status IN ('trial', 'active', 'suspended', 'migrating', 'closed')",
            name="ck_tenants_status",
        ),
        sa.CheckConstraint(
            "max_libraries >= 0 AND max_seats >= 0 AND max_students >= 0",
            name="ck_tenants_limits",
        ),
    )
    op.create_index("ix_tenants_status", "tenants", ["status"])
    op.create_index("ix_tenants_name", "tenants", ["name"])
    op.create_index("ix_tenants_created_at", "tenants", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_tenants_created_at", "tenants")
    op.drop_index("ix_tenants_name", "tenants")
    op.drop_index("ix_tenants_status", "tenants")
    op.drop_table("tenants")
