"""Delivery reports from providers: verified, recorded once, applied forwards.

A callback is read only once its signature checks out (SignatureInvalid → 401,
nothing recorded). Each report names its delivery through the reference we
sent (`<tenant id>:<delivery id>`) and must agree with the provider's message
id we recorded at sending. It is written to `message_delivery_events` once per
(delivery, state): a callback sent twice is counted once. The delivery's status
only moves forwards (sent → delivered → read); `failed` ends it and falls back
to the next channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import AppError
from studyspot.kit.models import utcnow
from studyspot.kit.state import KitState
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.message.channels.base import (
    Callback,
    ChannelProvider,
    DeliveryState,
    StatusUpdate,
)
from studyspot.services.message.consent import lift_stop, suppress, withdraw_guardian
from studyspot.services.message.dispatch import SUPPRESSING_FAILURES
from studyspot.services.message.fallback import fall_back
from studyspot.services.message.models import Delivery, DeliveryEvent, DeliveryStatus
from studyspot.services.message.repository import DeliveryRepository
from studyspot.services.message.upsert import insert_once

log = structlog.get_logger("studyspot.message")

# A report may move a delivery from these states only.
_MOVES_FROM: dict[str, tuple[DeliveryStatus, ...]] = {
    "delivered": (DeliveryStatus.sent,),
    "read": (DeliveryStatus.sent, DeliveryStatus.delivered),
    "failed": (DeliveryStatus.sent, DeliveryStatus.delivered),
}


@dataclass
class Applied:
    recorded: int = 0
    duplicates: int = 0
    unknown: int = 0
    stopped: int = 0
    started: int = 0


def _reference(update_: StatusUpdate) -> tuple[uuid.UUID, uuid.UUID] | None:
    tenant, _, delivery = update_.reference.partition(":")
    try:
        return uuid.UUID(tenant), uuid.UUID(delivery)
    except ValueError:
        return None


async def apply_updates(
    kit: KitState,
    provider: ChannelProvider,
    callback: Callback,
    now: datetime | None = None,
    *,
    tenants: list[uuid.UUID] | None = None,
) -> Applied:
    """Verify a callback and apply what it reports (SignatureInvalid propagates). With
    `tenants` (a callback to a business's own number or webhook address) it speaks for
    those businesses only: a report naming another's delivery is unknown, and replies
    (STOP, START) reach only them."""
    updates = provider.status_updates(callback)
    now = now or utcnow()
    applied = Applied()
    for item in updates:
        ref = _reference(item)
        if ref is None:
            applied.unknown += 1
            continue
        tenant_id, delivery_id = ref
        if tenants is not None and tenant_id not in tenants:
            applied.unknown += 1
            continue
        try:
            db = await kit.tenants.for_tenant(kit.core, tenant_id)
        except AppError:
            applied.unknown += 1
            continue
        async with unit_of_work(db, tenant_id=tenant_id) as session:
            repo = DeliveryRepository(session, tenant_id)
            row = await repo.get(delivery_id)
            if not isinstance(row, Delivery) or row.provider_message_id != item.provider_message_id:
                applied.unknown += 1
                continue
            first = await record_event(
                session,
                row,
                item.state,
                item.provider_message_id,
                item.code,
                occurred_at=item.at,
                received_at=now,
            )
            if not first:
                applied.duplicates += 1
                continue
            applied.recorded += 1
            await move_delivery(session, row, item, now)
    stops, starts = provider.stop_requests(callback), provider.start_requests(callback)
    applied.stopped = await apply_replies(kit, provider.channel, stops, now, True, tenants)
    applied.started = await apply_replies(kit, provider.channel, starts, now, False, tenants)
    log.info(
        "message.status_callback",
        provider=provider.provider,
        recorded=applied.recorded,
        duplicates=applied.duplicates,
        unknown=applied.unknown,
        stopped=applied.stopped,
        started=applied.started,
    )
    return applied


async def apply_replies(
    kit: KitState,
    channel: str,
    numbers: list[str],
    now: datetime,
    stop: bool,
    tenants: list[uuid.UUID] | None = None,
) -> int:
    """A STOP reply suppresses the number on that channel (reason `stop`) in every business
    that has messaged it there: the reply reached the number they wrote from, and a person
    who says stop is not asked which business they meant. A START reply (`stop=False`)
    lifts those `stop` suppressions again, and no other (a bounce, the owner's own).
    A reply to a business's own number (`tenants`) concerns that business only.
    How many businesses it changed."""
    if not numbers:
        return 0
    changed = 0
    for home in await tenant_homes(kit.core):
        if tenants is not None and home.tenant_id not in tenants:
            continue
        db = await kit.tenants.get(home.database_key)
        async with unit_of_work(db, tenant_id=home.tenant_id) as session:
            known = await session.scalars(
                select(Delivery.recipient)
                .where(
                    Delivery.tenant_id == home.tenant_id,
                    Delivery.channel == channel,
                    Delivery.recipient.in_(numbers),
                )
                .distinct()
            )
            for number in list(known):
                if stop:
                    await suppress(
                        session,
                        home.tenant_id,
                        channel=channel,
                        address=number,
                        reason="stop",
                        by=None,
                        now=now,
                    )
                    # From a guardian's phone: the minors it was asked for lose the
                    # guardian's consent on this channel (START does not give it back).
                    minors = await session.scalars(
                        select(Delivery.recipient_user_id)
                        .where(
                            Delivery.tenant_id == home.tenant_id,
                            Delivery.channel == channel,
                            Delivery.recipient == number,
                            Delivery.recipient_user_id.is_not(None),
                        )
                        .distinct()
                    )
                    await withdraw_guardian(
                        session,
                        home.tenant_id,
                        [m for m in minors if m is not None],
                        channel=channel,
                        contact=number,
                        via="stop",
                        now=now,
                    )
                    changed += 1
                elif await lift_stop(session, home.tenant_id, channel=channel, address=number):
                    changed += 1
    return changed


async def record_event(
    session: AsyncSession,
    row: Delivery,
    state: DeliveryState,
    provider_message_id: str,
    code: str | None,
    *,
    occurred_at: datetime,
    received_at: datetime,
) -> bool:
    """Append what was reported about a delivery, once per (delivery, state): whether this
    call recorded it (False: the same report came before)."""
    return await insert_once(
        session,
        DeliveryEvent,
        {
            "id": uuid.uuid4(),
            "tenant_id": row.tenant_id,
            "delivery_id": row.id,
            "state": state,
            "provider_message_id": provider_message_id,
            "code": code,
            "occurred_at": occurred_at,
            "received_at": received_at,
        },
        ("tenant_id", "delivery_id", "state"),
    )


async def move_delivery(
    session: AsyncSession, row: Delivery, item: StatusUpdate, now: datetime
) -> None:
    """Move the delivery forwards to what `item` reports (delivered, read or failed); a
    failure falls back to the next channel and suppresses the address when its code says so."""
    new_status = DeliveryStatus(item.state)
    moved = await session.execute(
        update(Delivery)
        .where(
            Delivery.tenant_id == row.tenant_id,
            Delivery.id == row.id,
            Delivery.status.in_(_MOVES_FROM[item.state]),
        )
        .values(
            status=new_status,
            last_error=item.code if item.state == "failed" else row.last_error,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if item.state == "failed" and moved.rowcount == 1:  # type: ignore[attr-defined]
        fresh = await DeliveryRepository(session, row.tenant_id).get(row.id, fresh=True)
        if isinstance(fresh, Delivery):
            # Credits already captured stay spent: the provider counted the attempt.
            await fall_back(session, fresh, now)
        reason = SUPPRESSING_FAILURES.get(item.code or "")
        if reason is not None:
            # Reported later rather than refused at sending (Twilio's 21610, 21211):
            # the address is suppressed just the same.
            await suppress(
                session,
                row.tenant_id,
                channel=row.channel,
                address=row.recipient,
                reason=reason,
                by=None,
                now=now,
            )
