"""auth: sessions_valid_after on every identity (access tokens issued before it are refused)

Revision ID: core_auth_0003
Revises: core_auth_0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_auth_0003"
down_revision: str | Sequence[str] | None = "core_auth_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IDENTITY_TABLES = ("library_owners", "platform_admins", "platform_staff", "user_credentials")


def upgrade() -> None:
    # Null: no security change yet, every unexpired token of the identity stays valid.
    for table in _IDENTITY_TABLES:
        op.add_column(table, sa.Column("sessions_valid_after", UTCDateTime(), nullable=True))


def downgrade() -> None:
    for table in _IDENTITY_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("sessions_valid_after")
