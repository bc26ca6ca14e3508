"""row-level security on the kit tables of tenant databases: audit log, outbox, processed events

Tenant units of work write these in the same transaction as the change they
record, as the row-level-security role; until now that role could read every
tenant's audit entries and event payloads. The policy is enabled but not
forced: the relay, the janitor and webhook routing read across tenants as the
owner, which is never the login of a tenant unit of work (kit.migrate.ensure_app_role).

Revision ID: tenant_kit_0003
Revises: tenant_kit_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

from studyspot.kit.migration_helpers import TENANT_CONDITION

revision: str = "tenant_kit_0003"
down_revision: str | Sequence[str] | None = "tenant_kit_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("audit_logs", "outbox_events", "processed_events")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING ({TENANT_CONDITION}) WITH CHECK ({TENANT_CONDITION})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in reversed(_TABLES):
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
