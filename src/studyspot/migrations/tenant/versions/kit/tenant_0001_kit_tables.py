"""kit tables of the tenant database: audit log, outbox, processed events

Revision ID: tenant_kit_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "tenant_kit_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("tenant_kit",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_logs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_type", sa.String(32), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_audit_logs_tenant_id_created_at", "audit_logs", ["tenant_id", "created_at"])
    op.create_table(
        "outbox_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_outbox_events_published_at_seq", "outbox_events", ["published_at", "seq"])
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_processed_events_processed_at", "processed_events", ["processed_at"])
    if op.get_bind().dialect.name == "postgresql":
        # The role tenant units of work switch to, so row-level security applies
        # even though the application connects as the tables' owner.
        op.execute(
            "DO $$ BEGIN CREATE ROLE studyspot_rls NOLOGIN; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        op.execute("GRANT studyspot_rls TO CURRENT_USER")
        op.execute("GRANT USAGE ON SCHEMA public TO studyspot_rls")
        op.execute(
            "GRANT SELECT, INSERT, UPDATE ON audit_logs, outbox_events, processed_events "
            "TO studyspot_rls"
        )
        op.execute("GRANT USAGE, SELECT ON SEQUENCE outbox_events_seq_seq TO studyspot_rls")


def downgrade() -> None:
    op.drop_index("ix_processed_events_processed_at", "processed_events")
    op.drop_table("processed_events")
    op.drop_index("ix_outbox_events_published_at_seq", "outbox_events")
    op.drop_table("outbox_events")
    op.drop_index("ix_audit_logs_tenant_id_created_at", "audit_logs")
    op.drop_table("audit_logs")
