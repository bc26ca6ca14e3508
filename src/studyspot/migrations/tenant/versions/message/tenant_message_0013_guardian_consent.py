"""message service: a minor's consent asked of the guardian (requests sent, answers given)

Revision ID: tenant_message_0013
Revises: tenant_message_0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0013"
down_revision: str | Sequence[str] | None = "tenant_message_0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("message_guardian_requests", "message_guardian_consents")


def upgrade() -> None:
    op.create_table(
        "message_guardian_requests",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("contact", sa.String(254), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint(
            "tenant_id",
            "event_id",
            "student_id",
            name="uq_message_guardian_requests_tenant_id_event_id_student_id",
        ),
    )
    op.create_index(
        "ix_message_guardian_requests_tenant_id", "message_guardian_requests", ["tenant_id"]
    )
    op.create_index(
        "ix_message_guardian_requests_tenant_id_student_id_requested_at",
        "message_guardian_requests",
        ["tenant_id", "student_id", "requested_at"],
    )
    op.create_table(
        "message_guardian_consents",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("contact", sa.String(254), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("notice_version", sa.String(32), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.UniqueConstraint(
            "tenant_id",
            "student_id",
            "channel",
            "purpose",
            name="uq_message_guardian_answer",
        ),
    )
    op.create_index(
        "ix_message_guardian_consents_tenant_id", "message_guardian_consents", ["tenant_id"]
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
