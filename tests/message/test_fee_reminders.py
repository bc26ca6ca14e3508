"""Fee reminders from the dues ledger: D-3 and D0 "due", D+1, D+3, D+7 "overdue", once per
day however often the scheduler runs, and none once the fee is paid."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from tests.conftest import Apps
from tests.fixtures.bookings import booked, booking_body, ready_library, student_login
from tests.fixtures.messages import Clock, dispatcher, run_consumers
from tests.fixtures.payments import created
from tests.message.test_notifications import BOOKING_TOTAL

NOTIFICATIONS = "/api/messages/notifications"


def _at(day: date, hhmm: time = time(11, 30)) -> datetime:
    """`day` at India wall-clock `hhmm`, in UTC (where the dispatcher's clock is put)."""
    local = datetime.combine(day, hhmm)
    return (local - timedelta(hours=5, minutes=30)).replace(tzinfo=UTC)


async def test_an_unpaid_fee_is_reminded_once_a_scheduled_day_until_it_is_paid(
    apps: Apps,
) -> None:
    ready = await ready_library(apps, students=1)
    student = await student_login(apps, ready, ready.students[0])
    start = date.today() + timedelta(days=3)
    held = await booked(apps, ready.owner, booking_body(ready, start=start))
    await run_consumers(apps)  # the payment service opens the due (due on the first day)
    client = apps.client("message")
    clock = Clock(apps, _at(start - timedelta(days=3)))

    async def titles() -> list[str]:
        feed = await client.get(NOTIFICATIONS, headers=student.headers)
        return [n["title"] for n in feed.json()["items"] if n["kind"].startswith("fee_")]

    await dispatcher(apps).run_once()
    await dispatcher(apps).run_once()  # the same day again: nothing more
    assert await titles() == [f"Fee due on {start.strftime('%d %b %Y')}"]
    [note] = (await client.get(NOTIFICATIONS, headers=student.headers)).json()["items"][:1]
    assert BOOKING_TOTAL in note["body"]

    clock.now = _at(start + timedelta(days=1))
    for _ in range(2):
        await dispatcher(apps).run_once()
    clock.now = _at(start + timedelta(days=1), time(18, 0))  # later that day, another run
    await dispatcher(apps).run_once()
    assert (await titles())[0] == "Fee overdue" and len(await titles()) == 2

    # Paid in full at the desk on D+2: D+3 and D+7 never come.
    await created(apps, ready.owner, uuid.UUID(held["id"]), "cash")
    await run_consumers(apps)
    for day in (2, 3, 7, 8):
        clock.now = _at(start + timedelta(days=day))
        await dispatcher(apps).run_once()
    assert len(await titles()) == 2
