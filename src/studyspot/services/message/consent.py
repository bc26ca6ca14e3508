"""Consent, suppression and quiet hours: whether, and when, a message may go out.

- **Transactional** messages (links, confirmations, offers) need no consent; a
  suppressed address (bounced, complained, stopped) still gets nothing.
- **Reminders** and **promotional** messages need the person's consent for that
  purpose on that channel. Withdrawing it is one request, by the person or by
  the desk, and is recorded like the consent (who, when, which notice).
- **A minor's** reminders need their guardian's answer (`message_guardian_consents`,
  asked by `guardians.py`); the desk's answer recorded for the student does not count.
- **Quiet hours** (IST): reminders 10:00 to 19:00, promotional 09:00 to 21:00. A
  message due outside them waits for the next opening instead of being dropped.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.auth import Principal
from studyspot.kit.errors import NotFound
from studyspot.kit.pagination import PageParams, paginate
from studyspot.services.message.models import Consent, GuardianConsent, Suppression
from studyspot.services.message.upsert import insert_once, upsert
from studyspot.services.message.upstream import StudentConsentRecorded

IST = ZoneInfo("Asia/Kolkata")
Purpose = Literal["transactional", "reminders", "promotional"]
SuppressionReason = Literal["bounce", "complaint", "stop", "manual"]
QUIET_HOURS: dict[str, tuple[time, time]] = {
    "reminders": (time(10, 0), time(19, 0)),
    "promotional": (time(9, 0), time(21, 0)),
}


def not_before(category: str, now: datetime) -> datetime:
    """The earliest moment from `now` at which a message of `category` may be sent."""
    window = QUIET_HOURS.get(category)
    if window is None:
        return now
    opens, closes = window
    local = now.astimezone(IST)
    if opens <= local.time() < closes:
        return now
    day = local.date() if local.time() < opens else local.date() + timedelta(days=1)
    return datetime.combine(day, opens, tzinfo=IST)


async def _write(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    user_id: uuid.UUID,
    channel: str,
    purpose: Purpose,
    granted: bool,
    notice_version: str,
    recorded_at: datetime,
    recorded_by: uuid.UUID | None,
    recorded_by_type: str,
) -> None:
    """The current answer per (user, channel, purpose), inserted or replaced."""
    await upsert(
        session,
        Consent,
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "user_id": user_id,
            "channel": channel,
            "purpose": purpose,
            "granted": granted,
            "notice_version": notice_version,
            "recorded_at": recorded_at,
            "recorded_by": recorded_by,
            "recorded_by_type": recorded_by_type,
        },
        ("tenant_id", "user_id", "channel", "purpose"),
    )


async def record_consent(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    by: Principal | None,
    *,
    user_id: uuid.UUID,
    channel: str,
    purpose: Purpose,
    granted: bool,
    notice_version: str,
    now: datetime,
) -> Consent:
    await _write(
        session,
        tenant_id,
        user_id=user_id,
        channel=channel,
        purpose=purpose,
        granted=granted,
        notice_version=notice_version,
        recorded_at=now,
        # None: the recipient, through the unsubscribe link in a message.
        recorded_by=by.user_id if by else None,
        recorded_by_type=by.user_type if by else "recipient",
    )
    await audit.record(
        session,
        "message.consent_granted" if granted else "message.consent_withdrawn",
        "message_consent",
        user_id,
        tenant_id=tenant_id,
        actor_id=by.user_id if by else user_id,
        actor_type=by.user_type if by else "recipient",
        details={"channel": channel, "purpose": purpose, "notice_version": notice_version},
    )
    found = await session.scalar(
        select(Consent)
        .where(
            Consent.tenant_id == tenant_id,
            Consent.user_id == user_id,
            Consent.channel == channel,
            Consent.purpose == purpose,
        )
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def consents_of(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> list[Consent]:
    rows = await session.scalars(
        select(Consent)
        .where(Consent.tenant_id == tenant_id, Consent.user_id == user_id)
        .order_by(Consent.channel, Consent.purpose)
    )
    return list(rows)


async def refusal(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    user_id: uuid.UUID | None,
    channel: str,
    address: str,
    category: str,
    minor: bool | None = None,
) -> str | None:
    """Why a message may not go to this address, or None if it may. `minor`: whether the
    person is under 18 (None: not known here)."""
    suppressed = await session.scalar(
        select(Suppression.reason).where(
            Suppression.tenant_id == tenant_id,
            Suppression.channel == channel,
            Suppression.address == address.lower(),
        )
    )
    if suppressed is not None:
        return "suppressed"
    if category == "transactional":
        return None
    if user_id is None:
        return "no_consent"
    if minor is not False:
        # A guardian's answer decides for a minor; when the caller does not know whether
        # the person is one (the dispatcher's last check), an answer there still withdraws.
        guardian = await _granted(session, GuardianConsent, tenant_id, user_id, channel, category)
        if minor or guardian is not None:
            return None if guardian else "no_consent"
    granted = await _granted(session, Consent, tenant_id, user_id, channel, category)
    return None if granted else "no_consent"


async def _granted(
    session: AsyncSession,
    model: type[Consent] | type[GuardianConsent],
    tenant_id: uuid.UUID,
    person: uuid.UUID,
    channel: str,
    purpose: str,
) -> bool | None:
    """The recorded answer of `model` (the person's, or their guardian's) or None."""
    who = model.user_id if model is Consent else GuardianConsent.student_id
    found: bool | None = await session.scalar(
        select(model.granted).where(
            model.tenant_id == tenant_id,
            who == person,
            model.channel == channel,
            model.purpose == purpose,
        )
    )
    return found


async def suppress(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    channel: str,
    address: str,
    reason: SuppressionReason,
    by: uuid.UUID | None,
    now: datetime,
) -> Suppression:
    """Send nothing more to this address (again is fine: the first reason stays)."""
    address = address.lower()
    await insert_once(
        session,
        Suppression,
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "channel": channel,
            "address": address,
            "reason": reason,
            "created_at": now,
            "created_by": by,
        },
        ("tenant_id", "channel", "address"),
    )
    found = await session.scalar(
        select(Suppression).where(
            Suppression.tenant_id == tenant_id,
            Suppression.channel == channel,
            Suppression.address == address,
        )
    )
    assert found is not None
    return found


async def suppressions(
    session: AsyncSession, tenant_id: uuid.UUID, params: PageParams
) -> tuple[list[Suppression], int]:
    query = select(Suppression).where(Suppression.tenant_id == tenant_id)
    return await paginate(session, query, params, [Suppression.created_at.desc(), Suppression.id])


async def lift_suppression(
    session: AsyncSession, tenant_id: uuid.UUID, suppression_id: uuid.UUID
) -> None:
    done = await session.execute(
        delete(Suppression).where(
            Suppression.tenant_id == tenant_id, Suppression.id == suppression_id
        )
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("No such suppression", code="suppression_not_found")


async def lift_stop(
    session: AsyncSession, tenant_id: uuid.UUID, *, channel: str, address: str
) -> bool:
    """Take back a suppression a STOP reply made (the person replied START); one made for
    any other reason stays. Whether there was one."""
    done = await session.execute(
        delete(Suppression).where(
            Suppression.tenant_id == tenant_id,
            Suppression.channel == channel,
            Suppression.address == address.lower(),
            Suppression.reason == "stop",
        )
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


STUDENT_RECORD_NOTICE = "student-record"
STUDENT_RECORD_CHANNELS = ("whatsapp", "sms", "email")


async def record_from_student_record(
    session: AsyncSession, tenant_id: uuid.UUID, event: StudentConsentRecorded
) -> int:
    """The answers of an admission form, a change at the desk or an import
    (`student.consent_recorded`) as each student's `reminders` consent per channel; an
    answer recorded here after the form's (by the person, the desk or an unsubscribe link)
    is kept. The number of answers written. Recording the same event twice writes the same
    rows."""
    answers = {s.student_id: s for s in event.students}
    newer = {
        (row.user_id, row.channel)
        for row in await session.execute(
            select(Consent.user_id, Consent.channel).where(
                Consent.tenant_id == tenant_id,
                Consent.purpose == "reminders",
                Consent.user_id.in_(answers),
                Consent.recorded_at > event.recorded_at,
            )
        )
    }
    written = 0
    for user_id, answer in answers.items():
        for channel in STUDENT_RECORD_CHANNELS:
            if (user_id, channel) in newer:
                continue
            await _write(
                session,
                tenant_id,
                user_id=user_id,
                channel=channel,
                purpose="reminders",
                granted=bool(getattr(answer, channel)),
                notice_version=STUDENT_RECORD_NOTICE,
                recorded_at=event.recorded_at,
                recorded_by=event.recorded_by,
                recorded_by_type=event.recorded_by_type,
            )
            written += 1
    return written


GuardianVia = Literal["link", "unsubscribe", "stop"]


async def record_guardian(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    student_id: uuid.UUID,
    channel: str,
    granted: bool,
    contact: str,
    via: GuardianVia,
    notice_version: str,
    request_id: uuid.UUID | None,
    now: datetime,
) -> None:
    """A guardian's answer for a minor's reminders on one channel (the latest wins),
    audited as given by the guardian through `contact`."""
    await upsert(
        session,
        GuardianConsent,
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "student_id": student_id,
            "channel": channel,
            "purpose": "reminders",
            "granted": granted,
            "contact": contact,
            "via": via,
            "notice_version": notice_version,
            "recorded_at": now,
            "request_id": request_id,
        },
        ("tenant_id", "student_id", "channel", "purpose"),
    )
    await audit.record(
        session,
        "message.consent_granted" if granted else "message.consent_withdrawn",
        "message_consent",
        student_id,
        tenant_id=tenant_id,
        actor_type="guardian",
        details={
            "channel": channel,
            "purpose": "reminders",
            "notice_version": notice_version,
            "via": via,
        },
    )


async def withdraw_guardian(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    student_ids: list[uuid.UUID],
    *,
    channel: str,
    contact: str | None,
    via: GuardianVia,
    now: datetime,
) -> int:
    """Withdraw the guardians' consent these minors have on `channel` (an unsubscribe
    link in a reminder, a STOP reply from the guardian's phone): how many were granted."""
    if not student_ids:
        return 0
    granted = list(
        await session.scalars(
            select(GuardianConsent.student_id).where(
                GuardianConsent.tenant_id == tenant_id,
                GuardianConsent.student_id.in_(student_ids),
                GuardianConsent.channel == channel,
                GuardianConsent.purpose == "reminders",
                GuardianConsent.granted.is_(True),
            )
        )
    )
    for student_id in granted:
        values: dict[str, object] = {"granted": False, "via": via, "recorded_at": now}
        if contact is not None:
            values["contact"] = contact
        await session.execute(
            update(GuardianConsent)
            .where(
                GuardianConsent.tenant_id == tenant_id,
                GuardianConsent.student_id == student_id,
                GuardianConsent.channel == channel,
                GuardianConsent.purpose == "reminders",
            )
            .values(**values)
        )
        await audit.record(
            session,
            "message.consent_withdrawn",
            "message_consent",
            student_id,
            tenant_id=tenant_id,
            actor_type="guardian",
            details={"channel": channel, "purpose": "reminders", "via": via},
        )
    return len(granted)
