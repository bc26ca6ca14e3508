"""The student records' per-channel consent moves into the message service's consent
(`tenant_message_0007`), values, times and recorders kept, on both backends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, insert, select

from studyspot.kit import migrate
from studyspot.kit.settings import to_sync_url
from studyspot.services.message.models import Consent
from tests.fixtures.students import STUDENTS_WITH_FLAGS, student_row_with_flags

RECORDED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_recorded_student_consent_becomes_reminder_consent_and_goes_back_on_downgrade(
    fresh_url: str,
) -> None:
    migrate.upgrade("tenant", fresh_url)
    config = migrate.alembic_config("tenant", fresh_url)
    command.downgrade(config, "tenant_message_0006")
    tenant, clerk = uuid.uuid4(), uuid.uuid4()
    recorded = student_row_with_flags(
        tenant,
        1,
        consent_whatsapp=True,
        consent_email=True,
        consent_recorded_at=RECORDED,
        consent_recorded_by=clerk,
        consent_recorded_by_type="library_staff",
    )
    never_asked = student_row_with_flags(tenant, 2)
    erased = student_row_with_flags(
        tenant, 3, consent_sms=True, consent_recorded_at=RECORDED, erased_at=RECORDED
    )
    answered_here = student_row_with_flags(
        tenant, 4, consent_sms=True, consent_recorded_at=RECORDED
    )
    engine = create_engine(to_sync_url(fresh_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(STUDENTS_WITH_FLAGS), [recorded, never_asked, erased, answered_here]
            )
            # The message service already has this person's answer for SMS: it stays.
            conn.execute(
                insert(Consent).values(
                    id=uuid.uuid4(),
                    tenant_id=tenant,
                    user_id=answered_here["id"],
                    channel="sms",
                    purpose="reminders",
                    granted=False,
                    notice_version="v3",
                    recorded_at=RECORDED,
                    recorded_by=None,
                    recorded_by_type="recipient",
                )
            )
        command.upgrade(config, "heads")
        with engine.connect() as conn:
            rows = conn.execute(select(Consent.__table__)).all()
        found = {(r.user_id, r.channel): r for r in rows}
        assert {r.purpose for r in rows} == {"reminders"}
        assert {c: found[(recorded["id"], c)].granted for c in ("whatsapp", "sms", "email")} == {
            "whatsapp": True,
            "sms": False,
            "email": True,
        }
        kept = found[(recorded["id"], "email")]
        assert kept.notice_version == "student-record" and kept.recorded_by == clerk
        assert kept.recorded_by_type == "library_staff"
        assert kept.recorded_at.replace(tzinfo=UTC) == RECORDED
        assert not any(user == never_asked["id"] or user == erased["id"] for user, _ in found)
        theirs = found[(answered_here["id"], "sms")]
        assert (theirs.granted, theirs.notice_version) == (False, "v3")
        assert found[(answered_here["id"], "email")].granted is False

        command.downgrade(config, "tenant_message_0006")
        with engine.connect() as conn:
            left = conn.execute(select(Consent.__table__)).all()
        assert [(r.user_id, r.notice_version) for r in left] == [(answered_here["id"], "v3")]
    finally:
        engine.dispose()
