"""tenant service: the plan, trial and limits leave the tenants table (issue 15)

The subscription service owns them since core_subscription_0001, which gave every tenant
of that day a subscription with its tenant row's values. A tenant that signed up since
and whose subscription is not opened yet gets it here, by that same rule, before the
columns go, so no tenant loses its plan, trial end or limits
(tests/subscription/test_migration.py). A tenant's `status` stops following its plan:
`trial` becomes `active` (whether it is on trial is its subscription's status).

The downgrade puts the columns back, filled from each tenant's subscription (an unlimited
limit, which the old columns cannot say, as 1,000,000, the most the old API accepted),
and `trial` back for a serving tenant on the trial plan.

Revision ID: core_tenant_0002
Revises: core_tenant_0001
Create Date: 2026-12-07
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "core_tenant_0002"
down_revision: str | Sequence[str] | None = "core_tenant_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "core_subscription_0001"

TRIAL_PLAN = "trial"
TRIAL_DAYS = 14
TRIAL_LIMITS = (1, 100, 200)  # libraries, seats, students: what the tenant row had
UNLIMITED = 1_000_000
_STATUS_WITH_TRIAL = "status IN ('trial', 'active', 'suspended', 'migrating', 'closed')"
_STATUS = "status IN ('active', 'suspended', 'migrating', 'closed')"
_LIMITS = "max_libraries >= 0 AND max_seats >= 0 AND max_students >= 0"

_tenants = sa.table(
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
_subscriptions = sa.table(
    "subscriptions",
    sa.column("id", sa.Uuid()),
    sa.column("tenant_id", sa.Uuid()),
    sa.column("plan_code", sa.String()),
    sa.column("plan_version", sa.Integer()),
    sa.column("billing_cycle", sa.String()),
    sa.column("price_paise", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("trial_ends_at", UTCDateTime()),
    sa.column("trial_used", sa.Boolean()),
    sa.column("trial_reminders_sent", sa.Integer()),
    sa.column("status_since", UTCDateTime()),
    sa.column("cancel_at_period_end", sa.Boolean()),
    sa.column("max_libraries", sa.Integer()),
    sa.column("max_seats", sa.Integer()),
    sa.column("max_students", sa.Integer()),
    sa.column("max_staff", sa.Integer()),
    sa.column("monthly_message_credits", sa.Integer()),
    sa.column("overage_percent", sa.Integer()),
    sa.column("features", sa.JSON()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
_plans = sa.table(
    "plans",
    sa.column("code", sa.String()),
    sa.column("version", sa.Integer()),
    sa.column("is_current", sa.Boolean()),
    sa.column("monthly_price_paise", sa.Integer()),
    sa.column("max_staff", sa.Integer()),
    sa.column("monthly_message_credits", sa.Integer()),
    sa.column("overage_percent", sa.Integer()),
    sa.column("features", sa.JSON()),
)


def _open_unopened(conn: sa.Connection) -> None:
    """A subscription for each tenant without one, from its tenant row (the rule of
    core_subscription_0001 and of the subscription service's `open_missing`)."""
    unopened = conn.execute(
        sa.select(_tenants)
        .select_from(
            _tenants.outerjoin(_subscriptions, _subscriptions.c.tenant_id == _tenants.c.id)
        )
        .where(_subscriptions.c.id.is_(None))
    ).all()
    now = datetime.now(UTC)
    for t in unopened:
        plan = conn.execute(
            sa.select(_plans).where(_plans.c.code == t.plan_code, _plans.c.is_current)
        ).first()
        is_trial = t.plan_code == TRIAL_PLAN
        conn.execute(
            _subscriptions.insert().values(
                id=uuid.uuid4(),
                tenant_id=t.id,
                plan_code=t.plan_code,
                plan_version=plan.version if plan else None,
                billing_cycle="monthly",
                price_paise=plan.monthly_price_paise if plan else 0,
                status="trial" if is_trial else "active",
                trial_ends_at=t.trial_ends_at,
                trial_used=is_trial or t.trial_ends_at is not None,
                trial_reminders_sent=0,
                status_since=t.created_at or now,
                cancel_at_period_end=False,
                max_libraries=t.max_libraries,
                max_seats=t.max_seats,
                max_students=t.max_students,
                max_staff=plan.max_staff if plan else None,
                monthly_message_credits=plan.monthly_message_credits if plan else None,
                overage_percent=plan.overage_percent if plan and not is_trial else 0,
                features=list(plan.features) if plan else [],
                created_at=now,
                updated_at=now,
            )
        )


def upgrade() -> None:
    conn = op.get_bind()
    _open_unopened(conn)
    conn.execute(_tenants.update().where(_tenants.c.status == "trial").values(status="active"))
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint("ck_tenants_limits", type_="check")
        batch.drop_constraint("ck_tenants_status", type_="check")
        batch.drop_column("plan_code")
        batch.drop_column("trial_ends_at")
        batch.drop_column("max_libraries")
        batch.drop_column("max_seats")
        batch.drop_column("max_students")
        batch.create_check_constraint("ck_tenants_status", _STATUS)


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint("ck_tenants_status", type_="check")
        batch.add_column(sa.Column("plan_code", sa.String(32), nullable=True))
        batch.add_column(sa.Column("trial_ends_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("max_libraries", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("max_seats", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("max_students", sa.Integer(), nullable=True))
        batch.create_check_constraint("ck_tenants_status", _STATUS_WITH_TRIAL)
    conn = op.get_bind()
    subs = {
        s.tenant_id: s
        for s in conn.execute(
            sa.select(
                _subscriptions.c.tenant_id,
                _subscriptions.c.plan_code,
                _subscriptions.c.trial_ends_at,
                _subscriptions.c.max_libraries,
                _subscriptions.c.max_seats,
                _subscriptions.c.max_students,
            )
        ).all()
    }
    for t in conn.execute(sa.select(_tenants.c.id, _tenants.c.status, _tenants.c.created_at)):
        sub = subs.get(t.id)
        if sub is not None:
            plan, ends = sub.plan_code, sub.trial_ends_at
            limits = tuple(
                UNLIMITED if n is None else n
                for n in (sub.max_libraries, sub.max_seats, sub.max_students)
            )
        else:  # not opened yet: the trial every new tenant starts on
            plan, ends, limits = TRIAL_PLAN, t.created_at + timedelta(days=TRIAL_DAYS), TRIAL_LIMITS
        conn.execute(
            _tenants.update()
            .where(_tenants.c.id == t.id)
            .values(
                plan_code=plan,
                trial_ends_at=ends,
                max_libraries=limits[0],
                max_seats=limits[1],
                max_students=limits[2],
                status="trial" if t.status == "active" and plan == TRIAL_PLAN else t.status,
            )
        )
    with op.batch_alter_table("tenants") as batch:
        batch.alter_column("plan_code", existing_type=sa.String(32), nullable=False)
        batch.alter_column("max_libraries", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("max_seats", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("max_students", existing_type=sa.Integer(), nullable=False)
        batch.create_check_constraint("ck_tenants_limits", _LIMITS)
