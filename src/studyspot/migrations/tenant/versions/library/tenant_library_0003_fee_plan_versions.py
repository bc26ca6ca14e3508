"""library service: the tenant's fee plans counted in the catalog's change counter

The catalog carries the fee plans offered at the library, which include the plans of
every library (`library_id` NULL): a change of any plan or of its shifts bumps one row of
`library_catalog_versions` per tenant, keyed by the tenant's own id
(catalog_versions.fee_plan_counter_key), and the catalog's ETag names both counters.

Revision ID: tenant_library_0003
Revises: tenant_library_0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from studyspot.kit.migration_helpers import unwatch_changes, watch_changes

revision: str = "tenant_library_0003"
down_revision: str | Sequence[str] | None = "tenant_library_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTER = "library_catalog_versions"
WATCHED = ("fee_plans", "fee_plan_shifts")


def upgrade() -> None:
    for table in WATCHED:
        watch_changes(COUNTER, table, library="tenant_id")


def downgrade() -> None:
    for table in WATCHED:
        unwatch_changes(COUNTER, table)
