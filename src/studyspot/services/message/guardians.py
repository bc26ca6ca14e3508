"""A minor's consent is asked of the guardian.

When a student under 18 is admitted, their guardian's phone or e-mail changes, or the
desk records their message consent, the student service announces
`student.guardian_consent_needed`; the desk may also send the request again (at most
once a day per student). Each becomes one request (unique per tenant, event and student)
and one transactional delivery to the guardian: by e-mail to the guardian's e-mail,
else by WhatsApp, then SMS, to the guardian's phone (never to the minor). It carries a
signed link, valid LINK_LIFETIME, to a plain page (`routes/guardians.py`) where the
guardian grants or refuses reminders per channel; promotional messages are never
offered for a minor. Each answer is recorded as the guardian's (`via` link, the contact
the request went to, NOTICE_VERSION, the time), and only a guardian's answer lets a
minor's reminders go out (`consent.refusal`).

The link is never stored: the dispatcher makes it from the request when it renders the
message. Its token names the tenant, the request and its expiry under an HMAC of a key
derived from AUTH_LINK_ENCRYPTION_KEY (its own domain, so it is no unsubscribe token).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import AppError, Conflict
from studyspot.kit.locks import lock_until_commit
from studyspot.kit.state import KitState
from studyspot.services.message.consent import record_guardian
from studyspot.services.message.models import (
    Delivery,
    DeliveryStatus,
    GuardianConsent,
    GuardianRequest,
)
from studyspot.services.message.preferences import language_of
from studyspot.services.message.repository import DeliveryRepository
from studyspot.services.message.unsubscribe import sign, unsign
from studyspot.services.message.upsert import insert_once
from studyspot.services.message.upstream import GuardianConsentNeeded, InternalStudent

GUARDIAN_KIND = "guardian_consent"
NOTICE_VERSION = "guardian-2026-12"
LINK_LIFETIME = timedelta(days=14)
RESEND_AFTER = timedelta(hours=24)
CHANNELS = ("whatsapp", "sms", "email")
PAGE = "/api/messages/guardian-consent"
_DOMAIN = b"studyspot-guardian-consent-v1\x00"


class InvalidGuardianLink(AppError):
    status, code = 400, "invalid_guardian_link"


class GuardianLinkExpired(AppError):
    """The link ran out, or a newer request went to another contact since."""

    status, code = 410, "guardian_link_expired"


class NotAMinor(Conflict):
    code = "not_a_minor"


class NoGuardianContact(Conflict):
    code = "no_guardian_contact"


class ResendTooSoon(AppError):
    status, code = 429, "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "The guardian was asked less than 24 hours ago",
            headers={
                "Retry-After": str(retry_after),
                "RateLimit-Limit": "1",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(retry_after),
            },
        )


async def request_consent(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    asked: GuardianConsentNeeded,
    *,
    event_id: uuid.UUID,
    now: datetime,
    reason: str | None = None,
) -> GuardianRequest | None:
    """The request and its delivery to the guardian; None if this event already made one
    or there is no contact to ask."""
    routes: list[tuple[str, str]] = []
    if asked.guardian_email:
        routes.append(("email", asked.guardian_email.lower()))
    if asked.guardian_phone:
        routes += [("whatsapp", asked.guardian_phone), ("sms", asked.guardian_phone)]
    if not routes:
        return None
    (channel, contact), *rest = routes
    expires_at = now + LINK_LIFETIME
    inserted = await insert_once(
        session,
        GuardianRequest,
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "event_id": event_id,
            "student_id": asked.student_id,
            "reason": reason or asked.reason,
            "channel": channel,
            "contact": contact,
            "requested_at": now,
            "requested_by": asked.requested_by,
            "expires_at": expires_at,
        },
        ("tenant_id", "event_id", "student_id"),
    )
    if not inserted:
        return None
    repo = DeliveryRepository(session, tenant_id)
    if not await repo.exists_for(event_id, contact, channel):
        await repo.add(
            Delivery(
                event_id=event_id,
                kind=GUARDIAN_KIND,
                channel=channel,
                recipient=contact,
                recipient_user_id=asked.student_id,
                language=await language_of(session, tenant_id, asked.student_id),
                variables={"student_name": asked.student_name},
                expires_at=expires_at,
                status=DeliveryStatus.queued,
                attempts=0,
                next_attempt_at=now,
                fallbacks=[list(r) for r in rest],
            )
        )
    return await session.scalar(
        select(GuardianRequest).where(
            GuardianRequest.tenant_id == tenant_id,
            GuardianRequest.event_id == event_id,
            GuardianRequest.student_id == asked.student_id,
        )
    )


def link_for(public_url: str, secret: str, request: GuardianRequest) -> str:
    expires = str(int(request.expires_at.timestamp()))
    token = sign(_DOMAIN, secret, [str(request.tenant_id), str(request.id), expires])
    return f"{public_url.rstrip('/')}{PAGE}?token={token}"


async def link_variables(
    session: AsyncSession, delivery: Delivery, public_url: str, secret: str
) -> dict[str, str] | None:
    """The link and its expiry for the consent request `delivery` carries (None: no such
    request), made when the message is rendered."""
    request = await session.scalar(
        select(GuardianRequest).where(
            GuardianRequest.tenant_id == delivery.tenant_id,
            GuardianRequest.event_id == delivery.event_id,
            GuardianRequest.student_id == delivery.recipient_user_id,
        )
    )
    if request is None:
        return None
    return {
        "link": link_for(public_url, secret, request),
        "expires_at": request.expires_at.isoformat(),
    }


@dataclass(frozen=True)
class Opened:
    tenant_id: uuid.UUID
    request_id: uuid.UUID


def read_link(secret: str, token: str, now: datetime) -> Opened:
    """400 `invalid_guardian_link` for an altered or foreign token, 410
    `guardian_link_expired` past its expiry."""
    parts = unsign(_DOMAIN, secret, token)
    if parts is None or len(parts) != 3:
        raise InvalidGuardianLink("This link is not valid")
    try:
        opened = Opened(uuid.UUID(parts[0]), uuid.UUID(parts[1]))
        expires = datetime.fromtimestamp(int(parts[2]), UTC)
    except ValueError as exc:
        raise InvalidGuardianLink("This link is not valid") from exc
    if expires <= now:
        raise GuardianLinkExpired("This link has expired: ask the library to send a new one")
    return opened


async def _current(session: AsyncSession, opened: Opened) -> GuardianRequest:
    """The request the link names, unless a newer one went to another contact since (the
    guardian's phone or e-mail changed)."""
    request = await session.scalar(
        select(GuardianRequest).where(
            GuardianRequest.tenant_id == opened.tenant_id,
            GuardianRequest.id == opened.request_id,
        )
    )
    if request is None:
        raise InvalidGuardianLink("This link is not valid")
    newer = await session.scalar(
        select(GuardianRequest.id)
        .where(
            GuardianRequest.tenant_id == opened.tenant_id,
            GuardianRequest.student_id == request.student_id,
            GuardianRequest.requested_at > request.requested_at,
            GuardianRequest.contact != request.contact,
        )
        .limit(1)
    )
    if newer is not None:
        raise GuardianLinkExpired("A newer request went to the student's current guardian")
    return request


async def look(kit: KitState, opened: Opened) -> tuple[GuardianRequest, list[GuardianConsent]]:
    """The request and the answers recorded so far (changes nothing)."""
    db = await kit.tenants.for_tenant(kit.core, opened.tenant_id)
    async with unit_of_work(db, tenant_id=opened.tenant_id, read_only=True) as session:
        request = await _current(session, opened)
        return request, await answers_of(session, opened.tenant_id, request.student_id)


async def answer(
    kit: KitState, opened: Opened, answers: dict[str, bool], now: datetime
) -> tuple[GuardianRequest, list[GuardianConsent]]:
    """Record the guardian's answer per channel, given through the request's contact."""
    db = await kit.tenants.for_tenant(kit.core, opened.tenant_id)
    async with unit_of_work(db, tenant_id=opened.tenant_id) as session:
        request = await _current(session, opened)
        for channel, granted in answers.items():
            await record_guardian(
                session,
                opened.tenant_id,
                student_id=request.student_id,
                channel=channel,
                granted=granted,
                contact=request.contact,
                via="link",
                notice_version=NOTICE_VERSION,
                request_id=request.id,
                now=now,
            )
        await session.execute(
            update(GuardianRequest)
            .where(GuardianRequest.tenant_id == opened.tenant_id, GuardianRequest.id == request.id)
            .values(answered_at=now)
        )
        return request, await answers_of(session, opened.tenant_id, request.student_id)


async def answers_of(
    session: AsyncSession, tenant_id: uuid.UUID, student_id: uuid.UUID
) -> list[GuardianConsent]:
    rows = await session.scalars(
        select(GuardianConsent)
        .where(GuardianConsent.tenant_id == tenant_id, GuardianConsent.student_id == student_id)
        .order_by(GuardianConsent.channel, GuardianConsent.purpose)
    )
    return list(rows)


async def latest_request(
    session: AsyncSession, tenant_id: uuid.UUID, student_id: uuid.UUID
) -> tuple[GuardianRequest | None, str | None]:
    """The student's latest request and the status of the delivery that carried it."""
    request = await session.scalar(
        select(GuardianRequest)
        .where(GuardianRequest.tenant_id == tenant_id, GuardianRequest.student_id == student_id)
        .order_by(GuardianRequest.requested_at.desc(), GuardianRequest.id)
        .limit(1)
    )
    if request is None:
        return None, None
    status = await session.scalar(
        select(Delivery.status)
        .where(Delivery.tenant_id == tenant_id, Delivery.event_id == request.event_id)
        .order_by(Delivery.created_at.desc())
        .limit(1)
    )
    return request, status


async def resend(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    student: InternalStudent,
    by: uuid.UUID | None,
    now: datetime,
) -> GuardianRequest:
    """Ask the guardian again: 409 for an adult or a guardian without contact, 429 with
    Retry-After within RESEND_AFTER of the last request."""
    if not student.minor:
        raise NotAMinor("The student is not under 18: their consent is their own")
    # Two resends at once (a double tap, two staff) would both find the last request old
    # enough and both message the guardian: the second waits and then finds the first's.
    await lock_until_commit(session, "guardian_resend", tenant_id, student.id)
    last, _ = await latest_request(session, tenant_id, student.id)
    if last is not None and last.requested_at + RESEND_AFTER > now:
        wait = last.requested_at + RESEND_AFTER - now
        raise ResendTooSoon(max(1, int(wait.total_seconds()) + 1))
    asked = GuardianConsentNeeded(
        student_id=student.id,
        student_name=student.name,
        guardian_phone=student.guardian_phone,
        guardian_email=student.guardian_email,
        reason="consent_recorded",
        requested_at=now,
        requested_by=by,
    )
    made = await request_consent(
        session, tenant_id, asked, event_id=uuid.uuid4(), now=now, reason="resend"
    )
    if made is None:
        raise NoGuardianContact("The student's record has no guardian phone or e-mail")
    return made
