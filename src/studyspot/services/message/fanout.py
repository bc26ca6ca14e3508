"""Fan-out: a notification in the feed becomes deliveries over the person's other channels.

Runs in the dispatcher's round, never in an event's transaction: it asks the
student service for the person's contact details first (no transaction open
while another service is called), then, in one unit of work, claims the
notification (a conditional UPDATE of `fanned_out_at`, so two dispatchers
never both fan out one) and writes a delivery per channel: queued if consent
and suppression allow it, not before the category's quiet hours end; `skipped`
with the reason otherwise, so the owner sees why a student was not told.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, unit_of_work
from studyspot.services.message.consent import refusal
from studyspot.services.message.fallback import REGISTERED_TEMPLATE_CHANNELS, queued
from studyspot.services.message.library_notices import TEAM, fan_out_to_team
from studyspot.services.message.models import Delivery, Notification
from studyspot.services.message.notifications import claim
from studyspot.services.message.owner_notices import OWNERS, fan_out_to_owners
from studyspot.services.message.repository import DeliveryRepository
from studyspot.services.message.templates import default_template, kind_of
from studyspot.services.message.upstream import (
    AuthClient,
    InternalStudent,
    LibraryClient,
    StudentClient,
)


async def pending(session: AsyncSession, tenant_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
    query = (
        select(Notification.id)
        .where(Notification.tenant_id == tenant_id, Notification.fanned_out_at.is_(None))
        .order_by(Notification.created_at)
        .limit(limit)
    )
    return list(await session.scalars(query))


def addresses_of(student: InternalStudent | None) -> dict[str, str]:
    """Where a student can be reached, per channel (WhatsApp and SMS on the mobile).

    A minor is reached through the guardian: WhatsApp and SMS go to the guardian's
    phone, e-mail to the guardian's e-mail (none when the record has none); never to
    the minor's own."""
    if student is None or student.erased or student.status != "active":
        return {}
    found: dict[str, str] = {}
    phone = student.guardian_phone if student.minor else student.phone
    if phone:
        found["whatsapp"] = found["sms"] = phone
    email = student.guardian_email if student.minor else student.email
    if email:
        found["email"] = email
    return found


def minor_refusal(student: InternalStudent | None, category: str) -> str | None:
    """Promotional messages never go to a student under 18 (nor to their guardian)."""
    if student is not None and student.minor and category == "promotional":
        return "minor"
    return None


async def fan_out(
    db: Database,
    tenant_id: uuid.UUID,
    notification_id: uuid.UUID,
    students: StudentClient | None,
    now: datetime,
    order: list[str],
    owners: AuthClient | None = None,
    library: LibraryClient | None = None,
) -> list[Delivery]:
    """The delivery one notification made on the first channel of `order` that may carry
    it (the others kept as its fallbacks); none if another dispatcher had it. A notice for
    the tenant's owners goes to each owner's feed and e-mail (`owner_notices.py`); news of
    a branch to its owners' and staff's feeds only (`library_notices.py`)."""
    async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
        note = await session.scalar(
            select(Notification).where(
                Notification.tenant_id == tenant_id, Notification.id == notification_id
            )
        )
        if note is None or note.fanned_out_at is not None:
            return []
        user_type, user_id = note.user_type, note.user_id
    if user_type == OWNERS:
        if owners is None:
            return []
        return await fan_out_to_owners(db, tenant_id, notification_id, owners, now)
    if user_type == TEAM:
        if owners is not None and library is not None:
            await fan_out_to_team(db, tenant_id, notification_id, user_id, owners, library, now)
        return []
    if students is None:
        return []
    # Outside any transaction. A failure raises: the notification waits for the next round.
    student = await students.get_student(tenant_id, user_id) if user_type == "student" else None
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        note = await claim(session, tenant_id, notification_id, now)
        if note is None:
            return []
        made = await _delivery(session, tenant_id, note, student, now, order)
        return [made] if made is not None else []


async def _delivery(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    note: Notification,
    student: InternalStudent | None,
    now: datetime,
    order: list[str],
) -> Delivery | None:
    kind = kind_of(note.kind)
    addresses = {} if minor_refusal(student, kind.category) else addresses_of(student)
    candidates = [
        (channel, addresses[channel])
        for channel in order
        if channel in addresses
        and (
            channel in REGISTERED_TEMPLATE_CHANNELS
            or default_template(kind, channel, "en") is not None
        )
    ]
    if not candidates or student is None:
        return None
    allowed: list[tuple[str, str]] = []
    first_refusal: str | None = None
    for channel, address in candidates:
        why = await refusal(
            session,
            tenant_id,
            user_id=note.user_id,
            channel=channel,
            address=address,
            category=kind.category,
            minor=student.minor,
        )
        if why is None:
            allowed.append((channel, address))
        elif first_refusal is None:
            first_refusal = why
    (channel, address), rest = (allowed[0], allowed[1:]) if allowed else (candidates[0], [])
    repo = DeliveryRepository(session, tenant_id)
    if note.event_id is not None and await repo.exists_for(note.event_id, address, channel):
        return None
    # Nothing allowed: one skipped delivery says why the person was not told.
    delivery = queued(
        note,
        channel,
        address,
        [list(pair) for pair in rest],
        now,
        variables={**note.variables, "name": student.name},
        refused=None if allowed else first_refusal,
    )
    await repo.add(delivery)
    return delivery
