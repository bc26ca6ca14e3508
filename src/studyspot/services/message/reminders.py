"""Fee reminders from the dues ledger: D-3 and D0 "due", D+1, D+3 and D+7 "overdue", then stop.

Once a day per tenant (India time), the dispatcher asks the payment service
for open dues with money still to pay that fall due on one of the five days
the schedule names for today, then, in one unit of work, puts a reminder in
each student's feed (fanned out to their channels like any notification:
reminders need consent and wait for 10:00 to 19:00). Each reminder's event
id is derived from (booking, offset), so a second run, a second instance or
a retry makes none twice. A due paid, renewed into another or cancelled is
no longer open with a balance, so its later reminders are never made.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from studyspot.kit.db import Database, unit_of_work
from studyspot.services.message.models import ReminderRun
from studyspot.services.message.notifications import notify
from studyspot.services.message.upsert import insert_once
from studyspot.services.message.upstream import PaymentClient

IST = ZoneInfo("Asia/Kolkata")
# Days from the due date on which a reminder goes out, and what it says.
SCHEDULE: dict[int, str] = {
    -3: "fee_due",
    0: "fee_due",
    1: "fee_overdue",
    3: "fee_overdue",
    7: "fee_overdue",
}
_NAMESPACE = uuid.UUID("6f1c8f3e-1d54-4b36-9b8e-2f0a1c2b7d11")


def reminder_id(booking_id: uuid.UUID, offset: int) -> uuid.UUID:
    """The same reminder always has the same id: it is made once."""
    return uuid.uuid5(_NAMESPACE, f"{booking_id}:{offset}")


def today_in_india(now: datetime) -> date:
    return now.astimezone(IST).date()


async def remind(
    db: Database, tenant_id: uuid.UUID, payments: PaymentClient, now: datetime
) -> int | None:
    """Today's fee reminders of one tenant; None if they were made already today."""
    today = today_in_india(now)
    async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
        done = await session.scalar(
            select(ReminderRun.id).where(
                ReminderRun.tenant_id == tenant_id, ReminderRun.day == today
            )
        )
    if done is not None:
        return None
    due_dates = {today - timedelta(days=offset): offset for offset in SCHEDULE}
    # Asked with no transaction open; a failure leaves the day to the next round.
    dues = await payments.dues_to_collect(tenant_id, sorted(due_dates))
    made = 0
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        first = await insert_once(
            session,
            ReminderRun,
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "day": today,
                "reminders": 0,
                "created_at": now,
            },
            ("tenant_id", "day"),
        )
        if not first:
            return None
        for due in dues.items:
            offset = due_dates[due.due_date]
            note = await notify(
                session,
                tenant_id,
                event_id=reminder_id(due.booking_id, offset),
                kind=SCHEDULE[offset],
                user_id=due.student_id,
                user_type="student",
                variables={
                    "balance_paise": due.balance_paise,
                    "due_date": due.due_date.isoformat(),
                },
                now=now,
            )
            made += note is not None
        run = await session.scalar(
            select(ReminderRun).where(ReminderRun.tenant_id == tenant_id, ReminderRun.day == today)
        )
        if run is not None:
            run.reminders = made
    return made
