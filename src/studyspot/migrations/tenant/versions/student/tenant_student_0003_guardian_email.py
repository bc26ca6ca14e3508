"""student service: the guardian's e-mail address

A student under 18 is reached through the guardian; the message service sends their
e-mail to `guardian_email` as it sends their WhatsApp and SMS to `guardian_phone`.

Revision ID: tenant_student_0003
Revises: tenant_student_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tenant_student_0003"
down_revision: str | Sequence[str] | None = "tenant_student_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("students") as batch:
        batch.add_column(sa.Column("guardian_email", sa.String(254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("students") as batch:
        batch.drop_column("guardian_email")
