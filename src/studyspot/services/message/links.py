"""Reset and invite links from the auth service, turned into deliveries.

Auth seals each link's secret for this service alone (`LinkBox`, docs/sessions.md).
The consumer stores the sealed secret as it came and never opens it: only the
dispatcher does, in memory, at the moment it renders the message. So no table
of this service holds a working link either.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from studyspot.kit.events import Event
from studyspot.services.message.models import Channel, Delivery, DeliveryStatus, PlatformDelivery
from studyspot.services.message.repository import DeliveryRepository

# Link purpose (auth's) → message kind (ours) and the console page that takes the link.
KIND_OF_PURPOSE = {"password_reset": "password_reset", "invite": "invite"}
PAGE_OF_KIND = {"password_reset": "/reset-password", "invite": "/set-password"}


class LinkRequested(BaseModel):
    """Payload of `auth.password_reset_requested` and `auth.set_password_requested`."""

    model_config = ConfigDict(extra="ignore")

    purpose: Literal["password_reset", "invite"]
    token_sealed: str
    expires_at: datetime
    user_id: uuid.UUID
    user_type: str
    tenant_id: uuid.UUID | None = None
    name: str
    email: str | None = None
    phone: str | None = None


def _addresses(link: LinkRequested) -> list[tuple[Channel, str]]:
    """Where the link goes: the e-mail address if there is one, else the phone by SMS."""
    if link.email:
        return [(Channel.email, link.email)]
    if link.phone:
        return [(Channel.sms, link.phone)]
    return []


async def queue_link(
    repo: DeliveryRepository, event: Event, *, now: datetime
) -> list[Delivery | PlatformDelivery]:
    """One delivery per (event, recipient, channel); an event seen again adds nothing."""
    link = LinkRequested.model_validate(event.payload)
    made: list[Delivery | PlatformDelivery] = []
    for channel, address in _addresses(link):
        if await repo.exists_for(event.id, address, channel):
            continue
        delivery = repo.model(
            event_id=event.id,
            kind=KIND_OF_PURPOSE[link.purpose],
            channel=channel,
            recipient=address,
            recipient_user_id=link.user_id,
            language="en",
            # The purpose travels in the variables: the sealed secret opens only with it.
            variables={"name": link.name, "purpose": link.purpose},
            sealed_secret=link.token_sealed,
            expires_at=link.expires_at,
            status=DeliveryStatus.queued,
            attempts=0,
            next_attempt_at=now,
        )
        await repo.add(delivery)
        made.append(delivery)
    return made
