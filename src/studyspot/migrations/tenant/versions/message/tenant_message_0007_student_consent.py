"""message service: the student records' per-channel consent becomes message consent

The student service recorded one yes/no per channel (WhatsApp, SMS, e-mail) with
who recorded it and when. Each recorded answer becomes the message service's
consent for that channel and the `reminders` purpose (service messages about the
student's seat and fees), with the same value, time and recorder and the notice
version `student-record`; promotional messages were never asked for there, so
they still need their own consent. An answer the message service already has for
that person, channel and purpose is kept. Erased students are left out.

Revision ID: tenant_message_0007
Revises: tenant_message_0006
Create Date: 2026-12-06
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from studyspot.kit.models import UTCDateTime

revision: str = "tenant_message_0007"
down_revision: str | Sequence[str] | None = "tenant_message_0006"
branch_labels: str | Sequence[str] | None = None
# The students table and its consent columns.
depends_on: str | Sequence[str] | None = ("tenant_student_0001",)

NOTICE_VERSION = "student-record"
PURPOSE = "reminders"
CHANNELS = ("whatsapp", "sms", "email")

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
    """PostgreSQL: the owner running this sees every tenant's rows while it copies."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} {'FORCE' if forced else 'NO FORCE'} ROW LEVEL SECURITY")


def upgrade() -> None:
    bind = op.get_bind()
    _row_security(False)
    have = {
        (r.tenant_id, r.user_id, r.channel)
        for r in bind.execute(
            sa.select(consents.c.tenant_id, consents.c.user_id, consents.c.channel).where(
                consents.c.purpose == PURPOSE
            )
        )
    }
    recorded = bind.execute(
        sa.select(students).where(
            students.c.consent_recorded_at.is_not(None), students.c.erased_at.is_(None)
        )
    )
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
        for s in recorded
        for channel in CHANNELS
        if (s.tenant_id, s.id, channel) not in have
    ]
    for start in range(0, len(rows), 1000):
        op.bulk_insert(consents, rows[start : start + 1000])
    _row_security(True)


def downgrade() -> None:
    _row_security(False)
    op.execute(consents.delete().where(consents.c.notice_version == NOTICE_VERSION))
    _row_security(True)
