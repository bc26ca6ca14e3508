"""Message consent given at the desk goes to the message service, which alone keeps it.

The admission form and the import still take a yes/no per channel (WhatsApp, SMS,
e-mail); the student service stores none of them. It writes `student.consent_recorded`
to its outbox in the admitting (or updating, or importing) transaction, and the
message service's consumer records each answer as consent for the `reminders`
purpose (docs/messages.md). Consent to process the student's data
(`data_processing`) is not about messages and stays on the student record.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.outbox import publish
from studyspot.services.student.access import Viewer
from studyspot.services.student.client import (
    CONSENT_TOPIC,
    ForwardedConsent,
    StudentConsentRecorded,
)

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
