"""kit: notify every service when an identity check's answer may have changed

Each service caches the per-request identity check (kit/auth.py) only while it listens
on `identity_changed` (kit/identity_changes.py). These triggers send `u:<user id>` or
`t:<tenant id>` at the commit of any change to the columns that check reads. PostgreSQL
only: SQLite has no notifications, and there the check is never cached.

Revision ID: core_kit_0003
Revises: core_kit_0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "core_kit_0003"
down_revision: str | Sequence[str] | None = "core_kit_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = (
    "core_auth_0003",
    "core_tenant_0001",
    "core_subscription_0001",
)

# table: (payload prefix, key column, the columns the identity check reads)
WATCHED = {
    "library_owners": ("u", "id", ("is_active", "sessions_valid_after", "tenant_id")),
    "user_credentials": (
        "u",
        "user_id",
        ("is_active", "sessions_valid_after", "tenant_id", "user_id", "user_table"),
    ),
    "platform_admins": ("u", "id", ("is_active", "sessions_valid_after")),
    "platform_staff": ("u", "id", ("is_active", "sessions_valid_after")),
    "tenants": ("t", "id", ("status", "database_key")),
    "subscriptions": ("t", "tenant_id", ("status", "tenant_id")),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION kit_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify(
                'identity_changed', TG_ARGV[0] || ':' || (to_jsonb(OLD) ->> TG_ARGV[1])
            );
            RETURN NULL;
        END
        $$
        """
    )
    for table, (prefix, key, columns) in WATCHED.items():
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        args = f"'{prefix}', '{key}'"
        op.execute(
            f"CREATE TRIGGER {table}_identity_updated AFTER UPDATE ON {table} FOR EACH ROW "
            f"WHEN ({changed}) EXECUTE FUNCTION kit_identity_changed({args})"
        )
        op.execute(
            f"CREATE TRIGGER {table}_identity_deleted AFTER DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION kit_identity_changed({args})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WATCHED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_identity_updated ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_identity_deleted ON {table}")
    op.execute("DROP FUNCTION IF EXISTS kit_identity_changed()")
