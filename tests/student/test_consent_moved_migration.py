"""`tenant_student_0002` drops the student record's per-channel consent flags once the
message service holds every recorded answer (copying those recorded since
`tenant_message_0007`), and its downgrade fills them back from the message service,
on both backends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, insert, inspect, select

from studyspot.kit import migrate
from studyspot.kit.settings import to_sync_url
from studyspot.services.message.models import Consent
from studyspot.services.student.models import Student
from tests.fixtures.students import STUDENTS_WITH_FLAGS, student_row_with_flags

RECORDED = datetime(2026, 11, 4, 5, 6, 7, tzinfo=UTC)
CHANNELS = ("whatsapp", "sms", "email")


def test_flags_recorded_since_the_copy_move_then_the_columns_go_and_come_back(
    fresh_url: str,
) -> None:
    migrate.upgrade("tenant", fresh_url)
    config = migrate.alembic_config("tenant", fresh_url)
    command.downgrade(config, "tenant_student_0001")
    tenant, clerk = uuid.uuid4(), uuid.uuid4()
    # Admitted after tenant_message_0007 ran, while the service still kept the flags.
    late = student_row_with_flags(
        tenant,
        1,
        consent_whatsapp=True,
        consent_email=True,
        consent_data_processing=True,
        consent_recorded_at=RECORDED,
        consent_recorded_by=clerk,
        consent_recorded_by_type="library_staff",
    )
    answered_here = student_row_with_flags(
        tenant, 2, consent_sms=False, consent_recorded_at=RECORDED
    )
    never_asked = student_row_with_flags(tenant, 3)
    erased = student_row_with_flags(
        tenant, 4, consent_sms=True, consent_recorded_at=RECORDED, erased_at=RECORDED
    )
    engine = create_engine(to_sync_url(fresh_url))
    try:
        with engine.begin() as conn:
            conn.execute(insert(STUDENTS_WITH_FLAGS), [late, answered_here, never_asked, erased])
            conn.execute(
                insert(Consent).values(
                    id=uuid.uuid4(),
                    tenant_id=tenant,
                    user_id=answered_here["id"],
                    channel="sms",
                    purpose="reminders",
                    granted=True,
                    notice_version="v3",
                    recorded_at=RECORDED,
                    recorded_by=None,
                    recorded_by_type="recipient",
                )
            )
        command.upgrade(config, "heads")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("students")}
            rows = conn.execute(select(Consent.__table__)).all()
            kept = conn.execute(
                select(Student.consent_data_processing).where(Student.id == late["id"])
            ).scalar_one()
        assert not {f"consent_{c}" for c in CHANNELS} & columns
        assert {"consent_data_processing", "consent_recorded_at"} <= columns
        assert kept is True
        found = {(r.user_id, r.channel): r for r in rows}
        assert {c: found[(late["id"], c)].granted for c in CHANNELS} == {
            "whatsapp": True,
            "sms": False,
            "email": True,
        }
        moved = found[(late["id"], "whatsapp")]
        assert (moved.purpose, moved.notice_version) == ("reminders", "student-record")
        assert (moved.recorded_by, moved.recorded_by_type) == (clerk, "library_staff")
        theirs = found[(answered_here["id"], "sms")]
        assert (theirs.granted, theirs.notice_version) == (True, "v3")
        assert not any(user in (never_asked["id"], erased["id"]) for user, _ in found)

        command.downgrade(config, "tenant_student_0001")
        with engine.connect() as conn:
            back = {
                r.id: r
                for r in conn.execute(
                    select(
                        STUDENTS_WITH_FLAGS.c.id,
                        *(STUDENTS_WITH_FLAGS.c[f"consent_{c}"] for c in CHANNELS),
                    )
                )
            }
        # What the message service holds now (its answer for SMS included).
        assert (back[late["id"]].consent_whatsapp, back[late["id"]].consent_email) == (True, True)
        assert back[answered_here["id"]].consent_sms is True
        assert not any(getattr(back[never_asked["id"]], f"consent_{c}") for c in CHANNELS)
        command.upgrade(config, "heads")
    finally:
        engine.dispose()
