"""The conflict query's SQL narrowing never loses a booking the exact rule would count."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta

from studyspot.kit.db import unit_of_work
from studyspot.kit.models import utcnow
from studyspot.services.booking.models import Booking
from studyspot.services.booking.repository import BookingRepository
from studyspot.services.booking.rules import DailyWindow, Occupancy, conflicts
from tests.conftest import Apps

DAY = date(2030, 3, 10)
WINDOWS = [
    DailyWindow(360, 720),  # 06:00-12:00
    DailyWindow(1320, 360),  # 22:00-06:00, across midnight
    DailyWindow(1080, 0),  # 18:00-00:00, ends at midnight
    DailyWindow(300, 540),  # 05:00-09:00
    DailyWindow.full_day(),
    DailyWindow(1439, 1),  # 23:59-00:01
]


def booking(tenant: uuid.UUID, library: uuid.UUID, window: DailyWindow, first: date) -> Booking:
    now = utcnow()
    return Booking(
        tenant_id=tenant,
        student_id=uuid.uuid4(),
        library_id=library,
        seat_id=uuid.uuid4(),
        seat_type="standard",
        seat_assignment="reserved",
        fee_plan_id=uuid.uuid4(),
        window_start=window.start,
        window_end=window.end,
        start_date=first,
        end_date=first + timedelta(days=1),
        timezone="Asia/Kolkata",
        status="confirmed",
        price_paise=0,
        registration_fee_paise=0,
        security_deposit_paise=0,
        gst_rate_bps=0,
        price_includes_tax=True,
        taxable_paise=0,
        gst_paise=0,
        total_paise=0,
        max_pause_days=0,
        max_pauses_per_year=0,
        keep_seat_on_pause=False,
        paused_days=0,
        releases_seat_on_pause=False,
        created_at=now,
        updated_at=now,
    )


async def test_sql_narrowing_keeps_every_conflicting_booking(apps: Apps) -> None:
    tenant, library = uuid.uuid4(), uuid.uuid4()
    db = apps.app("booking").state.kit.tenants.shared
    rows = [
        booking(tenant, library, window, DAY + timedelta(days=offset))
        for window, offset in itertools.product(WINDOWS, range(-3, 4))
    ]
    async with unit_of_work(db, tenant_id=tenant) as session:
        session.add_all(rows)
    async with unit_of_work(db, tenant_id=tenant) as session:
        repo = BookingRepository(session, tenant)
        for window in WINDOWS:
            wanted = Occupancy.of(window, DAY, DAY)
            found = {o.id for o in await repo.occupants(library, wanted, utcnow())}
            expected = {
                r.id
                for r in rows
                if conflicts(
                    wanted,
                    Occupancy.of(
                        DailyWindow(r.window_start, r.window_end), r.start_date, r.end_date
                    ),
                )
            }
            assert expected <= found, (window, len(expected - found))
            # And it narrows: far-away days and other times of day stay in the database.
            assert len(found) < len(rows)
