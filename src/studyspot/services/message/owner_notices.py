"""Notices about the business's own StudySpot account, told to the tenant's owners.

The subscription service announces them (`subscription.trial_ending`, the pre-debit
notice, dunning notices, grace, read-only, suspended; docs/subscriptions.md). Who the
owners are is the auth service's to say, and a consumer must not call another service
inside its transaction, so a notice travels in two steps:

1. the consumer puts one notification *for the tenant's owners* in the tenant's database
   (`user_type` `tenant_owners`, `user_id` the tenant id: no user has that id, so it is in
   nobody's feed), once per event: the processed-event ledger and the unique
   (tenant, event, user, kind) make it once;
2. the dispatcher's fan-out asks auth for the active owners (no transaction open), claims
   the notification (the conditional UPDATE of `fanned_out_at`) and, per owner, writes the
   notification into that owner's feed, in the owner's language, and one e-mail delivery
   to the owner's address; each is unique per (event, owner) and (event, address, channel),
   so a retried round adds nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, unit_of_work
from studyspot.services.message.consent import refusal
from studyspot.services.message.fallback import queued
from studyspot.services.message.models import Delivery, Notification
from studyspot.services.message.notifications import claim, notify
from studyspot.services.message.repository import DeliveryRepository
from studyspot.services.message.templates import kind_of
from studyspot.services.message.upstream import AuthClient, OwnerContact

# The addressee of a notification made for every owner of its tenant (step 1).
OWNERS = "tenant_owners"
# The user type an owner's own copy carries (the one in their access token).
OWNER = "library_owner"

# Subscription topic → the kind of notice it makes for the owners.
OWNER_NOTICES = {
    "subscription.trial_ending": "trial_ending",
    "subscription.pre_debit_notice": "subscription_pre_debit",
    "subscription.dunning_notice": "subscription_dunning",
    "subscription.grace": "subscription_grace",
    # A trial that ended unpaid becomes read-only, like an unpaid renewal after grace.
    "subscription.trial_ended": "subscription_read_only",
    "subscription.read_only": "subscription_read_only",
    "subscription.suspended": "subscription_suspended",
}


class SubscriptionNotice(BaseModel):
    """What the notices read of a `subscription.*` payload (subscription/service.py)."""

    model_config = ConfigDict(extra="ignore")

    days_left: int | None = None
    trial_ends_at: datetime | None = None
    charge_at: datetime | None = None
    amount_paise: int | None = None
    day: int | None = None
    due_since: datetime | None = None


def notice_variables(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The kind's variables (but `name`, the owner's, added per owner) from the payload."""
    notice = SubscriptionNotice.model_validate(payload)
    values: dict[str, Any] = {
        "days_left": None if notice.days_left is None else str(notice.days_left),
        "trial_ends_at": notice.trial_ends_at.isoformat() if notice.trial_ends_at else None,
        "charge_at": notice.charge_at.isoformat() if notice.charge_at else None,
        "amount_paise": notice.amount_paise,
        "day": None if notice.day is None else str(notice.day),
        "due_since": notice.due_since.isoformat() if notice.due_since else None,
    }
    wanted = set(kind_of(kind).variables) - {"name"}
    missing = sorted(name for name in wanted if values.get(name) is None)
    if missing:
        raise ValueError(f"{kind}: the event lacks {', '.join(missing)}")
    return {name: values[name] for name in wanted}


async def note_for_owners(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    event_id: uuid.UUID,
    topic: str,
    payload: dict[str, Any],
    now: datetime,
) -> Notification | None:
    """Step 1, in the consumer's transaction: the notice for the tenant's owners."""
    kind = OWNER_NOTICES.get(topic)
    if kind is None:
        return None
    variables = notice_variables(kind, payload)
    # Rendered now like every notification (nobody reads this one; each owner's copy is
    # rendered again in the owner's language). `name` is the owners' until they are known.
    return await notify(
        session,
        tenant_id,
        event_id=event_id,
        kind=kind,
        user_id=tenant_id,
        user_type=OWNERS,
        variables={**variables, "name": "StudySpot owner"},
        now=now,
    )


async def fan_out_to_owners(
    db: Database,
    tenant_id: uuid.UUID,
    notification_id: uuid.UUID,
    owners: AuthClient,
    now: datetime,
) -> list[Delivery]:
    """Step 2: the owners' feed entries and e-mails; none if another dispatcher had it."""
    # Outside any transaction. A failure raises: the notice waits for the next round.
    people = await owners.tenant_owners(tenant_id)
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        note = await claim(session, tenant_id, notification_id, now)
        if note is None:
            return []
        made: list[Delivery] = []
        for person in people:
            delivery = await _tell(session, tenant_id, note, person, now)
            if delivery is not None:
                made.append(delivery)
        return made


async def _tell(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    note: Notification,
    person: OwnerContact,
    now: datetime,
) -> Delivery | None:
    """One owner's feed entry and e-mail (each once per event)."""
    assert note.event_id is not None
    kind = kind_of(note.kind)
    variables = {**note.variables, "name": person.name[:100]}
    own = await notify(
        session,
        tenant_id,
        event_id=note.event_id,
        kind=note.kind,
        user_id=person.id,
        user_type=OWNER,
        variables=variables,
        now=now,
    )
    if own is not None:
        # Told by e-mail below: nothing more for the fan-out to do.
        own.fanned_out_at = now
    deliveries = DeliveryRepository(session, tenant_id)
    if own is None or await deliveries.exists_for(note.event_id, person.email, "email"):
        return None
    why = await refusal(
        session,
        tenant_id,
        user_id=person.id,
        channel="email",
        address=person.email,
        category=kind.category,
    )
    delivery = queued(own, "email", person.email, [], now, variables=variables, refused=why)
    await deliveries.add(delivery)
    return delivery
