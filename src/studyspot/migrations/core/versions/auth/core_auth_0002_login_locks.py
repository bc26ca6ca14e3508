"""auth: progressive per-account login locks (one row per login name)

Revision ID: core_auth_0002
Revises: core_auth_0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_auth_0002"
down_revision: str | Sequence[str] | None = "core_auth_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_locks",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_login_locks"),
    )
    op.create_index("ix_login_locks_expires_at", "login_locks", ["expires_at"])
    # Account failures were rows of login_failures; the locks start afresh.
    op.execute("DELETE FROM login_failures WHERE scope = 'account'")


def downgrade() -> None:
    op.drop_index("ix_login_locks_expires_at", "login_locks")
    op.drop_table("login_locks")
