"""Which tables of a tenant database move with a tenant, and which stay shared.

The tenant service must not import other services' models, so it learns the
tables (and their foreign-key order) from the database itself. Whether a
table moves is never inferred from its columns: `payment_order_routes` has a
`tenant_id` too, yet it must stay in the shared database, because provider
webhooks look orders up only there (a route moved away leaves every webhook
of an older order unanswerable and its money unrecorded). So every table is
named below, and a move refuses to start while the database holds a table
that is not (`tests/tenant/test_table_classification.py` fails first).
"""

from __future__ import annotations

import uuid

from sqlalchemy import MetaData, Table, Uuid, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from studyspot.kit.db import Database

TENANT_COLUMN = "tenant_id"

# Rows of one tenant, copied to its dedicated database and deleted from the shared one.
MOVED_TABLES = frozenset(
    {
        # kit: written in the same transaction as the change they describe
        "audit_logs",
        "idempotency_keys",
        "outbox_events",
        "processed_events",
        # library
        "fee_plan_shifts",
        "fee_plans",
        "libraries",
        "library_staff",
        "library_staff_assignments",
        "seats",
        "shifts",
        # student
        "student_counters",
        "student_counts",
        "student_search_terms",
        "students",
        # analytics (read models: they move with the tenant's events)
        "analytics_booking_segments",
        "analytics_bookings",
        "analytics_capacity",
        "analytics_checkins",
        "analytics_credits",
        "analytics_events",
        "analytics_money",
        "analytics_mrr",
        "analytics_no_shows",
        # attendance
        "attendance_code_uses",
        "attendance_display_devices",
        "attendance_library_settings",
        "attendance_no_shows",
        "attendance_records",
        # community (library groups and the inbox; exam communities are in the core database)
        "community_group_members",
        "community_group_post_attachments",
        "community_group_posts",
        "community_groups",
        "community_inbox_attachments",
        "community_inbox_messages",
        "community_inbox_threads",
        "community_invites",
        # booking
        "booking_day_releases",
        "booking_pauses",
        "booking_transfers",
        "bookings",
        "waitlist_entries",
        # message
        "message_broadcasts",
        "message_consents",
        "message_credit_accounts",
        "message_credit_entries",
        "message_credit_months",
        "message_credit_purchases",
        "message_deliveries",
        "message_delivery_events",
        "message_guardian_consents",
        "message_guardian_requests",
        "message_notifications",
        "message_preferences",
        "message_reminder_runs",
        "message_sender_accounts",
        "message_suppressions",
        "message_templates",
        "message_tenant_settings",
        # payment
        "payment_dues",
        "payment_invoice_counters",
        "payment_invoices",
        "payment_provider_accounts",
        "payment_reconciliation_status",
        "payment_refunds",
        "payment_webhook_receipts",
        "payments",
    }
)
# Rows that stay in the shared tenant database whatever database the tenant lives in.
SHARED_TABLES = frozenset(
    {
        # Provider order id → tenant, for unauthenticated webhooks (services/payment/models.py).
        "payment_order_routes",
        # Per-library change counters (kit/change_counters.py): each database keeps its own,
        # bumped by its triggers as the moved rows arrive or leave. Never copied nor deleted,
        # so a counter never goes back to a value a cache may hold from before a move.
        "booking_map_versions",
        "library_catalog_versions",
    }
)
# Bookkeeping of the database itself, no tenant's rows.
UNTENANTED_TABLES = frozenset({"alembic_version"})


class UnclassifiedTables(Exception):
    """The database holds tables nobody said whether they move with a tenant."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"tables not classified in tenant_tables.py: {', '.join(names)}")
        self.names = names


def unclassified(names: set[str]) -> list[str]:
    return sorted(names - MOVED_TABLES - SHARED_TABLES - UNTENANTED_TABLES)


async def scope_to_tenant(conn: AsyncConnection, tenant_id: uuid.UUID) -> None:
    """On PostgreSQL, let row-level security admit this tenant's rows for this transaction.

    The connection keeps its own (owner) role, so tables that a service forgot to
    grant to the RLS role are still readable; the setting is transaction-local.
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT set_config('app.tenant_id', :tid, true)"), {"tid": str(tenant_id)}
        )


async def _reflect(conn: AsyncConnection) -> MetaData:
    metadata = MetaData()
    await conn.run_sync(lambda sync: metadata.reflect(sync))
    return metadata


async def reflect_tenant_tables(conn: AsyncConnection) -> list[Table]:
    """The tables that move with a tenant, parents before children.

    Raises UnclassifiedTables when the database holds a table that is not named above.
    """
    metadata = await _reflect(conn)
    unknown = unclassified(set(metadata.tables))
    if unknown:
        raise UnclassifiedTables(unknown)
    return [t for t in metadata.sorted_tables if t.name in MOVED_TABLES]


def of_tenant(table: Table, tenant_id: uuid.UUID) -> ColumnElement[bool]:
    # Bound through Uuid so the value is spelled as each backend stores it
    # (native uuid on PostgreSQL, 32 hex characters on SQLite).
    return table.c[TENANT_COLUMN] == literal(tenant_id, Uuid())


async def count_rows(
    conn: AsyncConnection, tables: list[Table], tenant_id: uuid.UUID
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables:
        query = select(func.count()).select_from(table).where(of_tenant(table, tenant_id))
        counts[table.name] = int(await conn.scalar(query) or 0)
    return counts


async def tenant_row_counts(db: Database, tenant_id: uuid.UUID) -> dict[str, int]:
    """How many rows of `tenant_id` each table of `db` with a tenant_id column holds.

    Shared and not yet classified tables count too: this answers "does the tenant
    have any data here", where a row left behind would be an orphan.
    """
    async with db.engine.connect() as conn:
        await scope_to_tenant(conn, tenant_id)
        metadata = await _reflect(conn)
        tables = [t for t in metadata.sorted_tables if TENANT_COLUMN in t.c]
        return await count_rows(conn, tables, tenant_id)
