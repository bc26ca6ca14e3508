"""student service: message consent lives in the message service only

`tenant_message_0007` copied each recorded per-channel answer (`consent_whatsapp`,
`consent_sms`, `consent_email`) into `message_consents` (purpose `reminders`, notice
version `student-record`). Answers the student service recorded after that ran are
copied here the same way (an answer the message service already has is kept); then
every recorded answer of a live student is checked to be held there, and only then
are the three columns dropped. `consent_data_processing` and who recorded it stay.

The downgrade adds the columns back, filled from the message service's `reminders`
consent of each student.

Revision ID: tenant_student_0002
Revises: tenant_student_0001
Create Date: 2026-12-06
"""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "tenant_student_0002"
down_revision: str | Sequence[str] | None = "tenant_student_0001"
branch_labels: str | Sequence[str] | None = None
# The copy into message_consents made by the message service's migration.
depends_on: str | Sequence[str] | None = ("tenant_message_0007",)

NOTICE_VERSION = "student-record"
PURPOSE = "reminders"
CHANNELS = ("whatsapp", "sms", "email")
COLUMNS = tuple(f"consent_{c}" for c in CHANNELS)

students = sa.table(
    "students",
    sa.column("id", sa.Uuid()),
    sa.column("tenant_id", sa.Uuid()),
    sa.column("erased_at", UTCDateTime()),
    sa.column("consent_whatsapp", sa.Boolean()),
    sa.column("consent_sms", sa.Boolean()),
    sa.column("consent_email", sa.Boolean()),
    sa.column("consent_recorded_at", UTCDateTime()),
    sa.column("consent_recorded_by", sa.Uuid()),
    sa.column("consent_recorded_by_type", sa.String(32)),
)
consents = sa.table(
    "message_consents",
    sa.column("id", sa.Uuid()),
    sa.column("tenant_id", sa.Uuid()),
    sa.column("user_id", sa.Uuid()),
    sa.column("channel", sa.String(16)),
    sa.column("purpose", sa.String(16)),
    sa.column("granted", sa.Boolean()),
    sa.column("notice_version", sa.String(32)),
    sa.column("recorded_at", UTCDateTime()),
    sa.column("recorded_by", sa.Uuid()),
    sa.column("recorded_by_type", sa.String(32)),
)
TABLES = ("students", "message_consents")


def _row_security(forced: bool) -> None:
    """PostgreSQL: the owner running this sees every tenant's rows while it works."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} {'FORCE' if forced else 'NO FORCE'} ROW LEVEL SECURITY")


def _held() -> set[tuple[uuid.UUID, uuid.UUID, str]]:
    return {
        (r.tenant_id, r.user_id, r.channel)
        for r in op.get_bind().execute(
            sa.select(consents.c.tenant_id, consents.c.user_id, consents.c.channel).where(
                consents.c.purpose == PURPOSE
            )
        )
    }


def _recorded() -> list[sa.Row[Any]]:
    return list(
        op.get_bind().execute(
            sa.select(students).where(
                students.c.consent_recorded_at.is_not(None), students.c.erased_at.is_(None)
            )
        )
    )


def upgrade() -> None:
    _row_security(False)
    have = _held()
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": s.tenant_id,
            "user_id": s.id,
            "channel": channel,
            "purpose": PURPOSE,
            "granted": bool(getattr(s, f"consent_{channel}")),
            "notice_version": NOTICE_VERSION,
            "recorded_at": s.consent_recorded_at,
            "recorded_by": s.consent_recorded_by,
            "recorded_by_type": s.consent_recorded_by_type or "library_staff",
        }
        for s in _recorded()
        for channel in CHANNELS
        if (s.tenant_id, s.id, channel) not in have
    ]
    for start in range(0, len(rows), 1000):
        op.bulk_insert(consents, rows[start : start + 1000])
    have = _held()
    missing = [
        (s.tenant_id, s.id, channel)
        for s in _recorded()
        for channel in CHANNELS
        if (s.tenant_id, s.id, channel) not in have
    ]
    if missing:
        raise RuntimeError(
            f"{len(missing)} recorded consent answers are not in message_consents; "
            "the student columns are kept"
        )
    _row_security(True)
    with op.batch_alter_table("students") as batch:
        for column in COLUMNS:
            batch.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("students") as batch:
        for column in COLUMNS:
            batch.add_column(
                sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false())
            )
    _row_security(False)
    bind = op.get_bind()
    granted = bind.execute(
        sa.select(consents.c.tenant_id, consents.c.user_id, consents.c.channel).where(
            consents.c.purpose == PURPOSE, consents.c.granted.is_(True)
        )
    )
    by_channel: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = {c: [] for c in CHANNELS}
    for r in granted:
        if r.channel in by_channel:
            by_channel[r.channel].append((r.tenant_id, r.user_id))
    for channel, people in by_channel.items():
        for tenant_id, user_id in people:
            bind.execute(
                students.update()
                .where(students.c.tenant_id == tenant_id, students.c.id == user_id)
                .values({f"consent_{channel}": True})
            )
    _row_security(True)
