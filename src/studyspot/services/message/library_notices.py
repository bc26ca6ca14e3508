"""News of a branch for the people who run it: its owners and the staff assigned to it.

A new admission (`student.admitted`), a payment captured (`payment.captured`) and a
booking cancelled (`booking.cancelled`) name their branch. Who the owners are is the auth
service's to say and who works at a branch the library service's, and a consumer must not
call another service inside its transaction, so a notice travels in two steps, like the
notices about the business's own account (`owner_notices.py`):

1. the consumer puts one notification *for the branch's team* in the tenant's database
   (`user_type` `library_team`, `user_id` the library's id: no user has that id, so it is
   in nobody's feed), once per event (the processed-event ledger and the unique
   (tenant, event, user, kind));
2. the dispatcher's fan-out asks auth for the active owners and the library service for
   the branch's active staff (no transaction open; a failure leaves it for the next
   round), claims the notification and writes a copy into each person's feed in their
   language, unique per (tenant, event, person, kind): staff of other branches are never
   asked about, so never told. The feed is the only channel (no e-mail, no SMS).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, unit_of_work
from studyspot.services.message.notifications import claim, notify
from studyspot.services.message.owner_notices import OWNER
from studyspot.services.message.upstream import ADMITTED_TOPIC, AuthClient, LibraryClient

# The addressee of step 1, and the user type of a staff member's copy (their token's).
TEAM = "library_team"
STAFF = "library_staff"


class _Admitted(BaseModel):
    model_config = ConfigDict(extra="ignore")

    home_library_id: uuid.UUID
    name: str
    enrollment_number: str


class _Paid(BaseModel):
    model_config = ConfigDict(extra="ignore")

    library_id: uuid.UUID
    amount_paise: int
    invoice_number: str
    captured_at: datetime


class _Cancelled(BaseModel):
    model_config = ConfigDict(extra="ignore")

    library_id: uuid.UUID
    start_date: date
    end_date: date


@dataclass(frozen=True)
class _Notice:
    kind: str
    library_id: uuid.UUID
    variables: dict[str, Any]


def _notice(topic: str, payload: dict[str, Any]) -> _Notice | None:
    """What the event tells the branch; None for an event published before its fields."""
    values: dict[str, Any]
    if topic == ADMITTED_TOPIC:
        admitted = _Admitted.model_validate(payload)
        values = {
            "student_name": admitted.name,
            "enrollment_number": admitted.enrollment_number,
        }
        return _Notice("library_admission", admitted.home_library_id, values)
    if topic == "payment.captured":
        if not {"library_id", "invoice_number", "captured_at"} <= payload.keys():
            return None
        paid = _Paid.model_validate(payload)
        values = {
            "amount_paise": paid.amount_paise,
            "invoice_number": paid.invoice_number,
            # As the payment service wrote it: the message shows the moment it happened.
            "paid_at": str(payload["captured_at"]),
        }
        return _Notice("library_payment", paid.library_id, values)
    if topic == "booking.cancelled":
        cancelled = _Cancelled.model_validate(payload)
        values = {
            "start_date": cancelled.start_date.isoformat(),
            "end_date": cancelled.end_date.isoformat(),
        }
        return _Notice("library_booking_cancelled", cancelled.library_id, values)
    return None


TOPICS = (ADMITTED_TOPIC, "payment.captured", "booking.cancelled")


async def note_for_team(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    event_id: uuid.UUID,
    topic: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """Step 1, in the consumer's transaction: the notice for the branch's team."""
    notice = _notice(topic, payload)
    if notice is None:
        return
    # Rendered now like every notification (nobody reads this one; each person's copy is
    # rendered again in their language with their name).
    variables = {**notice.variables, "name": "StudySpot team"}
    await notify(
        session,
        tenant_id,
        event_id=event_id,
        kind=notice.kind,
        user_id=notice.library_id,
        user_type=TEAM,
        variables=variables,
        now=now,
    )


async def fan_out_to_team(
    db: Database,
    tenant_id: uuid.UUID,
    notification_id: uuid.UUID,
    library_id: uuid.UUID,
    owners: AuthClient,
    library: LibraryClient,
    now: datetime,
) -> int:
    """Step 2: a copy in each owner's and each of the branch's staff's feed; how many."""
    # Outside any transaction. A failure raises: the notice waits for the next round.
    people = [(o.id, o.name, OWNER) for o in await owners.tenant_owners(tenant_id)]
    people += [(s.id, s.name, STAFF) for s in await library.branch_staff(tenant_id, library_id)]
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        note = await claim(session, tenant_id, notification_id, now)
        if note is None or note.event_id is None:
            return 0
        told = 0
        for person_id, name, user_type in people:
            own = await notify(
                session,
                tenant_id,
                event_id=note.event_id,
                kind=note.kind,
                user_id=person_id,
                user_type=user_type,
                variables={**note.variables, "name": name[:100]},
                now=now,
            )
            if own is not None:
                own.fanned_out_at = now  # the feed is its only channel
                told += 1
        return told
