"""library service: a change counter per library over what its catalog is made of

Other services keep a library's catalog (the library, its seats and shifts) and ask again
with `If-None-Match`; the catalog route answers 304 while this counter has not moved
(kit/migration_helpers.py, `watch_changes`).

Revision ID: tenant_library_0002
Revises: tenant_library_0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

from studyspot.kit.migration_helpers import (
    create_change_counter,
    disable_tenant_rls,
    unwatch_changes,
    watch_changes,
)

revision: str = "tenant_library_0002"
down_revision: str | Sequence[str] | None = "tenant_library_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTER = "library_catalog_versions"
# table: its column naming the library
WATCHED = {"libraries": "id", "seats": "library_id", "shifts": "library_id"}


def upgrade() -> None:
    create_change_counter(COUNTER)
    for table, library in WATCHED.items():
        watch_changes(COUNTER, table, library=library)


def downgrade() -> None:
    for table in WATCHED:
        unwatch_changes(COUNTER, table)
    disable_tenant_rls(COUNTER)
    op.drop_table(COUNTER)
