"""Message consent given at the desk goes to the message service, which alone keeps it.

The admission form and the import still take a yes/no per channel (WhatsApp, SMS,
e-mail); the student service stores none of them. It writes `student.consent_recorded`
to its outbox in the admitting (or updating, or importing) transaction, and the
message service's consumer records each answer as consent for the `reminders`
purpose (docs/messages.md). Consent to process the student's data
(`data_processing`) is not about messages and stays on the student record.

A student under 18 cannot give it: when one is admitted, their guardian's phone or
e-mail changes, or the desk records their message consent, the same transaction writes
`student.guardian_consent_needed` and the message service asks the guardian.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.outbox import publish
from studyspot.services.student.access import Viewer
from studyspot.services.student.client import (
    CONSENT_TOPIC,
    GUARDIAN_CONSENT_TOPIC,
    ForwardedConsent,
    GuardianConsentNeeded,
    GuardianConsentReason,
    StudentConsentRecorded,
)
from studyspot.services.student.models import Student
from studyspot.services.student.rules import ADULT_AGE, INDIA, age_on

CHANNELS = ("whatsapp", "sms", "email")
# Students per event: an import of 10,000 rows is 20 events, each well under 100 kB.
PER_EVENT = 500


async def forward_consent(
    session: AsyncSession,
    viewer: Viewer,
    answers: Sequence[tuple[uuid.UUID, dict[str, bool]]],
    now: datetime,
) -> None:
    """`answers`: (student id, {channel: granted}) for each student whose form said so."""
    for start in range(0, len(answers), PER_EVENT):
        event = StudentConsentRecorded(
            students=[
                ForwardedConsent(student_id=sid, **{c: bool(given[c]) for c in CHANNELS})
                for sid, given in answers[start : start + PER_EVENT]
            ],
            recorded_at=now,
            recorded_by=viewer.user_id,
            recorded_by_type=viewer.principal.user_type,
        )
        await publish(
            session, CONSENT_TOPIC, event.model_dump(mode="json"), tenant_id=viewer.tenant_id
        )


# A change of these asks the guardian again (a new contact, or a student now under 18).
GUARDIAN_FIELDS = frozenset({"guardian_phone", "guardian_email", "date_of_birth"})


def guardian_reason(changed: Collection[str], consent: bool) -> GuardianConsentReason | None:
    """Why an update asks a minor's guardian for consent, if it does."""
    if GUARDIAN_FIELDS.intersection(changed):
        return "guardian_changed"
    return "consent_recorded" if consent else None


async def ask_guardian(
    session: AsyncSession,
    viewer: Viewer,
    student: Student,
    reason: GuardianConsentReason,
    now: datetime,
) -> None:
    """`student.guardian_consent_needed` for a student under 18 today (India) who has a
    guardian to ask; nothing for anyone else."""
    born = student.date_of_birth
    if born is None or age_on(born, now.astimezone(INDIA).date()) >= ADULT_AGE:
        return
    if not (student.guardian_phone or student.guardian_email):
        return
    event = GuardianConsentNeeded(
        student_id=student.id,
        student_name=student.name,
        guardian_name=student.guardian_name,
        guardian_phone=student.guardian_phone,
        guardian_email=student.guardian_email,
        reason=reason,
        requested_at=now,
        requested_by=viewer.user_id,
    )
    await publish(
        session, GUARDIAN_CONSENT_TOPIC, event.model_dump(mode="json"), tenant_id=viewer.tenant_id
    )
