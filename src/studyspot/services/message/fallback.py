"""Channel fallback: WhatsApp → SMS → e-mail (MESSAGE_FALLBACK_ORDER), one at a time.

A notification is sent on the first channel that is configured, for which the
person has an address, and that consent and suppression allow. The others
wait in the delivery's `fallbacks`; when it fails for good (the provider
refused it, every retry failed, or a status callback reported it failed) the
next one becomes a delivery of its own, unique per (event, recipient, channel)
like every delivery, so a failure reported twice falls back once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.services.message.consent import not_before
from studyspot.services.message.models import Delivery, DeliveryStatus, Notification
from studyspot.services.message.repository import DeliveryRepository
from studyspot.services.message.templates import kind_of

# Channels whose message is a template registered with the provider (WhatsApp, DLT SMS):
# they need no template of ours; e-mail does.
REGISTERED_TEMPLATE_CHANNELS = frozenset({"whatsapp", "sms"})
# Ends after which the next channel is tried (a skipped one too: no consent, suppressed,
# or no credits for this channel).
FAILED = (DeliveryStatus.failed, DeliveryStatus.dead, DeliveryStatus.skipped)


async def fall_back(session: AsyncSession, failed: Delivery, now: datetime) -> Delivery | None:
    """The delivery on the next channel after `failed`, if one is left."""
    if not failed.fallbacks or failed.status not in FAILED:
        return None
    (channel, address), *rest = failed.fallbacks
    repo = DeliveryRepository(session, failed.tenant_id)
    if failed.event_id is not None and await repo.exists_for(failed.event_id, address, channel):
        return None
    delivery = queued(failed, channel, address, rest, now)
    await repo.add(delivery)
    return delivery


def queued(
    like: Delivery | Notification,
    channel: str,
    address: str,
    fallbacks: list[Any],
    now: datetime,
    *,
    variables: dict[str, Any] | None = None,
    refused: str | None = None,
) -> Delivery:
    """A delivery of what `like` (a notification or a failed delivery) says, on `channel`:
    queued for the category's next open hour, or skipped with the reason it was refused."""
    return Delivery(
        event_id=like.event_id,
        kind=like.kind,
        channel=channel,
        recipient=address,
        recipient_user_id=like.user_id
        if isinstance(like, Notification)
        else like.recipient_user_id,
        language=like.language,
        variables=dict(variables if variables is not None else like.variables),
        status=DeliveryStatus.queued if refused is None else DeliveryStatus.skipped,
        last_error=refused,
        attempts=0,
        next_attempt_at=not_before(kind_of(like.kind).category, now),
        fallbacks=fallbacks,
    )
