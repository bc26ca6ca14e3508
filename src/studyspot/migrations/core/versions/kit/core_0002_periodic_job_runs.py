"""kit: when each periodic job's round last started, so N instances run it once a period

Revision ID: core_kit_0002
Revises: core_kit_0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_kit_0002"
down_revision: str | Sequence[str] | None = "core_kit_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "periodic_job_runs",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("periodic_job_runs")
