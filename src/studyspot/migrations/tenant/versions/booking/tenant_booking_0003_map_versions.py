"""booking service: a change counter per library over what its seat map is made of

The availability map of a library is kept per process and answered again while this
counter has not moved (services/booking/service/map_cache.py): bookings, their pauses
and the days they gave back bump it (kit/migration_helpers.py, `watch_changes`).

Revision ID: tenant_booking_0003
Revises: tenant_booking_0002
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

revision: str = "tenant_booking_0003"
down_revision: str | Sequence[str] | None = "tenant_booking_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTER = "booking_map_versions"


def upgrade() -> None:
    create_change_counter(COUNTER)
    watch_changes(COUNTER, "bookings")
    watch_changes(COUNTER, "booking_day_releases")
    watch_changes(COUNTER, "booking_pauses", via_booking=True)


def downgrade() -> None:
    for table in ("bookings", "booking_day_releases", "booking_pauses"):
        unwatch_changes(COUNTER, table)
    disable_tenant_rls(COUNTER)
    op.drop_table(COUNTER)
