"""subscription service: plans, subscriptions, job leases; every tenant's plan moves here

Each existing tenant gets its subscription with the plan code, trial end and limits its
tenant row holds (tests/subscription/test_migration.py), on no overage, so every tenant
keeps exactly the numbers it had.

Revision ID: core_subscription_0001
Revises:
Create Date: 2026-12-06
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_subscription_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("core_subscription",)
depends_on: str | Sequence[str] | None = "core_tenant_0001"

TRIAL_PLAN = "trial"


def _limit_columns() -> list[sa.Column[int]]:
    return [
        sa.Column("max_libraries", sa.Integer(), nullable=True),
        sa.Column("max_seats", sa.Integer(), nullable=True),
        sa.Column("max_students", sa.Integer(), nullable=True),
        sa.Column("max_staff", sa.Integer(), nullable=True),
        sa.Column("monthly_message_credits", sa.Integer(), nullable=True),
        sa.Column("overage_percent", sa.Integer(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("monthly_price_paise", sa.Integer(), nullable=False),
        sa.Column("quarterly_price_paise", sa.Integer(), nullable=False),
        sa.Column("half_yearly_price_paise", sa.Integer(), nullable=False),
        sa.Column("annual_price_paise", sa.Integer(), nullable=False),
        *_limit_columns(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.UniqueConstraint("code", "version", name="uq_plans_code_version"),
    )
    op.create_index("ix_plans_code_is_current", "plans", ["code", "is_current"])
    subscriptions = op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("plan_code", sa.String(32), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=True),
        sa.Column("billing_cycle", sa.String(16), nullable=False),
        sa.Column("price_paise", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trial_ends_at", UTCDateTime(), nullable=True),
        sa.Column("trial_used", sa.Boolean(), nullable=False),
        sa.Column("trial_reminders_sent", sa.Integer(), nullable=False),
        sa.Column("current_period_start", UTCDateTime(), nullable=True),
        sa.Column("current_period_end", UTCDateTime(), nullable=True),
        sa.Column("status_since", UTCDateTime(), nullable=False),
        sa.Column("pending_plan_code", sa.String(32), nullable=True),
        sa.Column("pending_billing_cycle", sa.String(16), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        *_limit_columns(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", name="uq_subscriptions_tenant_id"),
        sa.CheckConstraint(
            "status IN ('trial', 'active', 'past_due', 'grace', 'read_only', 'suspended', "
            "'cancelled')",
            name="ck_subscriptions_status",
        ),
    )
    op.create_index("ix_subscriptions_status", "subscriptions", ["status"])
    op.create_table(
        "subscription_job_leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=False),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
    )

    # Move every tenant's plan here, values unchanged.
    tenants = sa.table(
        "tenants",
        sa.column("id", sa.Uuid()),
        sa.column("status", sa.String()),
        sa.column("plan_code", sa.String()),
        sa.column("trial_ends_at", UTCDateTime()),
        sa.column("max_libraries", sa.Integer()),
        sa.column("max_seats", sa.Integer()),
        sa.column("max_students", sa.Integer()),
        sa.column("created_at", UTCDateTime()),
    )
    conn = op.get_bind()
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": t.id,
            "plan_code": t.plan_code,
            "plan_version": None,
            "billing_cycle": "monthly",
            "price_paise": 0,
            "status": "trial" if t.plan_code == TRIAL_PLAN else "active",
            "trial_ends_at": t.trial_ends_at,
            "trial_used": t.plan_code == TRIAL_PLAN or t.trial_ends_at is not None,
            "trial_reminders_sent": 0,
            "current_period_start": None,
            "current_period_end": None,
            "status_since": t.created_at or now,
            "pending_plan_code": None,
            "pending_billing_cycle": None,
            "cancel_at_period_end": False,
            "max_libraries": t.max_libraries,
            "max_seats": t.max_seats,
            "max_students": t.max_students,
            "max_staff": None,
            "monthly_message_credits": None,
            "overage_percent": 0,
            "features": [],
            "created_at": now,
            "updated_at": now,
        }
        for t in conn.execute(sa.select(tenants)).all()
    ]
    if rows:
        op.bulk_insert(subscriptions, rows)


def downgrade() -> None:
    op.drop_table("subscription_job_leases")
    op.drop_table("subscriptions")
    op.drop_table("plans")
