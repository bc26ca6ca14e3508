"""A booking moved to another shift or seat counts in each shift for the days it held it.

The library of test_month.py: 2 seats, Morning (M) and Evening (E), Asia/Kolkata; November
has 2 x 30 = 60 seat-shifts per shift. The booking of most tests: Nov 1-30 on Morning for
1,500.00, paid in full on Oct 31, moved to Evening on Nov 11 (effective that day): Morning
held it Nov 1-10 (10 days), Evening Nov 11-30 (20 days); its charge and money are shared
10/30 and 20/30 (docs/analytics.md, "Transfers").
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy import select

from studyspot.kit.db import unit_of_work
from studyspot.services.analytics.models import AnalyticsBookingSegment
from studyspot.services.analytics.projection import apply
from tests.analytics.test_month import Month, d, library_of, rows_by_shift
from tests.conftest import Apps
from tests.fixtures.analytics import Script, feed, ist, read_models, targets


def moved_on_the_11th(month: Month) -> tuple[Script, uuid.UUID, uuid.UUID]:
    s = Script(month.script.tenant_id, month.library_id)
    seat = uuid.uuid4()
    booking = s.book(
        ist(d(10, 31), "10:00"), uuid.uuid4(), month.m, d(11, 1), d(11, 30), 150_000, seat=seat
    )
    s.pay(ist(d(10, 31), "10:00"), booking, 150_000)
    s.transfer(ist(d(11, 11), "09:00"), booking, month.m, 0, to_shift=month.e, from_seat=seat)
    return s, booking, seat


async def november(apps: Apps, month: Month) -> dict[str | None, dict[str, Any]]:
    report = await month.get(apps, "kpis", {"from": "2026-11", "to": "2026-11"})
    return rows_by_shift(report, "2026-11")


def figures(found: dict[str | None, dict[str, Any]], *names: str) -> dict[str | None, Any]:
    return {k: tuple(found[k][n] for n in names) for k in ("Morning", "Evening", None)}


async def segments_of(apps: Apps, tenant_id: uuid.UUID, booking: uuid.UUID) -> list[Any]:
    db = await targets(apps).tenants.get(None)
    async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
        rows = await session.execute(
            select(
                AnalyticsBookingSegment.shift_id,
                AnalyticsBookingSegment.seat_id,
                AnalyticsBookingSegment.from_date,
                AnalyticsBookingSegment.to_date,
            )
            .where(AnalyticsBookingSegment.booking_id == booking)
            .order_by(AnalyticsBookingSegment.seq)
        )
        return [tuple(r) for r in rows.all()]


async def test_a_booking_moved_on_the_11th_counts_10_days_of_morning_and_20_of_evening(
    apps: Apps,
) -> None:
    month = await library_of(apps)
    s, booking, seat = moved_on_the_11th(month)
    await feed(apps, s.events)
    found = await november(apps, month)
    assert figures(found, "available_seat_shifts", "booked_seat_shifts", "booked_occupancy") == {
        "Morning": (60, 10, 0.1667),
        "Evening": (60, 20, 0.3333),
        None: (120, 30, 0.25),
    }
    # Billed in its start month, shared by days: 1,500 x 10/30 and 1,500 x 20/30; the
    # revenue per available seat-shift follows (500.00 / 60 and 1,000.00 / 60, floored).
    assert figures(
        found,
        "billed_paise",
        "revenue_per_available_seat_shift_paise",
        "collected_of_billed_paise",
        "collection_efficiency",
        "students",
    ) == {
        "Morning": (50_000, 833, 50_000, 1.0, 1),
        "Evening": (100_000, 1_666, 100_000, 1.0, 1),
        None: (150_000, 1_250, 150_000, 1.0, 1),
    }
    # It ends (Nov 30) in the evening: that shift's ending booking, not the morning's.
    assert figures(found, "bookings_ending") == {"Morning": (0,), "Evening": (1,), None: (1,)}
    # The history: Morning on the seat it was made with, then Evening (no seat assigned).
    assert await segments_of(apps, s.tenant_id, booking) == [
        (month.m, seat, d(11, 1), d(11, 10)),
        (month.e, None, d(11, 11), d(11, 30)),
    ]


async def test_a_transfer_replayed_twice_counts_once(apps: Apps) -> None:
    month = await library_of(apps)
    s, booking, _ = moved_on_the_11th(month)
    await feed(apps, s.events)
    first = await read_models(apps, s.tenant_id)
    moved = s.events[-1]
    assert moved.topic == "booking.transferred"
    # Redelivered through the consumer (the processed-event ledger) ...
    assert await feed(apps, [moved, moved]) == 0
    # ... and applied straight to the projection again (its own insert-or-ignore log).
    db = await targets(apps).tenants.get(None)
    async with unit_of_work(db, tenant_id=s.tenant_id) as session:
        assert await apply(session, moved) is False
    assert await read_models(apps, s.tenant_id) == first
    found = await november(apps, month)
    assert figures(found, "booked_seat_shifts", "billed_paise") == {
        "Morning": (10, 50_000),
        "Evening": (20, 100_000),
        None: (30, 150_000),
    }
    assert len(await segments_of(apps, s.tenant_id, booking)) == 2


async def test_rebuild_gives_the_same_segments_and_numbers(apps: Apps) -> None:
    from studyspot.services.analytics.tasks import rebuild_tenants

    month = await library_of(apps)
    s, booking, _ = moved_on_the_11th(month)
    await feed(apps, s.events)
    incremental = await read_models(apps, s.tenant_id)
    assert len(incremental["analytics_booking_segments"]) == 2
    before = await month.get(apps, "kpis", {"from": "2026-10", "to": "2026-12"})
    state = apps.app("analytics").state.kit
    done = await rebuild_tenants(state.core, state.tenants, s.tenant_id)
    assert [(t, r.events, r.bookings) for t, r in done] == [(s.tenant_id, len(s.events), 1)]
    assert await read_models(apps, s.tenant_id) == incremental
    assert [(p[0], p[2], p[3]) for p in await segments_of(apps, s.tenant_id, booking)] == [
        (month.m, d(11, 1), d(11, 10)),
        (month.e, d(11, 11), d(11, 30)),
    ]
    after = await month.get(apps, "kpis", {"from": "2026-10", "to": "2026-12"})
    assert after["rows"] == before["rows"]
    found = rows_by_shift(after, "2026-11")
    assert (found["Morning"]["booked_seat_shifts"], found["Evening"]["booked_seat_shifts"]) == (
        10,
        20,
    )


async def test_a_transfer_that_arrives_before_its_booking_gives_the_same_history(
    apps: Apps,
) -> None:
    month = await library_of(apps)
    s, booking, seat = moved_on_the_11th(month)
    # Moved again on the 21st, to another evening seat (a price difference of +60.00).
    other = uuid.uuid4()
    s.transfer(ist(d(11, 21), "09:00"), booking, month.e, 6_000, to_seat=other)
    events = list(s.events)
    random.Random(11).shuffle(events)
    assert await feed(apps, reversed(events)) == len(events)
    assert await segments_of(apps, s.tenant_id, booking) == [
        (month.m, seat, d(11, 1), d(11, 10)),
        (month.e, None, d(11, 11), d(11, 20)),
        (month.e, other, d(11, 21), d(11, 30)),
    ]
    found = await november(apps, month)
    # A seat change within the evening moves no day between shifts; the charge is 1,560.00,
    # shared 10/30 and 20/30.
    assert figures(found, "booked_seat_shifts", "billed_paise") == {
        "Morning": (10, 52_000),
        "Evening": (20, 104_000),
        None: (30, 156_000),
    }


async def test_a_booking_moved_in_its_second_month_is_split_across_months_and_shifts(
    apps: Apps,
) -> None:
    month = await library_of(apps)
    s = Script(month.script.tenant_id, month.library_id)
    # Nov 21-Dec 20 on Morning, moved to Evening on Dec 6: Morning Nov 21-Dec 5 (10 + 5
    # days), Evening Dec 6-20 (15). Billed in November (its start month), half and half.
    booking = s.book(ist(d(11, 20), "10:00"), uuid.uuid4(), month.m, d(11, 21), d(12, 20), 90_000)
    s.pay(ist(d(12, 2), "10:00"), booking, 60_000)
    s.transfer(ist(d(12, 6), "11:00"), booking, month.m, 0, to_shift=month.e)
    await feed(apps, s.events)
    report = await month.get(apps, "kpis", {"from": "2026-11", "to": "2026-12"})
    nov, dec = rows_by_shift(report, "2026-11"), rows_by_shift(report, "2026-12")
    assert figures(nov, "booked_seat_shifts", "billed_paise", "collected_of_billed_paise") == {
        "Morning": (10, 45_000, 30_000),
        "Evening": (0, 45_000, 30_000),
        None: (10, 90_000, 60_000),
    }
    # December: the seat-days by shift; the payment of Dec 2 (cash view) shared half and half.
    assert figures(dec, "booked_seat_shifts", "collected_paise", "billed_paise") == {
        "Morning": (5, 30_000, 0),
        "Evening": (15, 30_000, 0),
        None: (20, 60_000, 0),
    }


async def test_a_moved_booking_cancelled_and_refunded_stops_counting_in_its_new_shift(
    apps: Apps,
) -> None:
    month = await library_of(apps)
    s, booking, _ = moved_on_the_11th(month)
    s.cancel(ist(d(11, 21), "10:00"), booking)
    s.refund(ist(d(11, 22), "10:00"), booking, uuid.uuid4(), 50_000)
    await feed(apps, s.events)
    found = await november(apps, month)
    # Held Nov 1-20: Morning 10, Evening 10. Still billed in full (cancelled after it was
    # confirmed), shared 10/30 and 20/30; the refund of 500.00 likewise (166.67 and 333.33,
    # floors of the running share so that the parts make the whole).
    assert figures(found, "booked_seat_shifts", "billed_paise", "collected_of_billed_paise") == {
        "Morning": (10, 50_000, 33_333),
        "Evening": (10, 100_000, 66_667),
        None: (20, 150_000, 100_000),
    }
    assert figures(found, "collected_paise") == {
        "Morning": (-16_667,),
        "Evening": (-33_333,),
        None: (-50_000,),
    }


async def test_a_pause_lengthens_the_shift_the_booking_ends_in(apps: Apps) -> None:
    month = await library_of(apps)
    s = Script(month.script.tenant_id, month.library_id)
    # Nov 1-20 on Morning, moved to Evening on Nov 11, paused 5 days on Nov 13: it ends on
    # Nov 25, so Evening holds it Nov 11-25 (15 days).
    booking = s.book(ist(d(10, 31), "10:00"), uuid.uuid4(), month.m, d(11, 1), d(11, 20), 100_000)
    s.transfer(ist(d(11, 11), "09:00"), booking, month.m, 0, to_shift=month.e)
    s.pause(ist(d(11, 12), "18:00"), booking, d(11, 13), 5)
    await feed(apps, s.events)
    found = await november(apps, month)
    assert figures(found, "booked_seat_shifts", "billed_paise") == {
        "Morning": (10, 40_000),
        "Evening": (15, 60_000),
        None: (25, 100_000),
    }


async def test_a_full_day_booking_moved_to_a_shift_holds_every_shift_until_then(
    apps: Apps,
) -> None:
    month = await library_of(apps)
    s = Script(month.script.tenant_id, month.library_id)
    # No shift Nov 1-10 (every shift), then Evening Nov 11-30.
    booking = s.book(ist(d(10, 31), "10:00"), uuid.uuid4(), None, d(11, 1), d(11, 30), 300_000)
    s.transfer(ist(d(11, 11), "09:00"), booking, None, 0, to_shift=month.e)
    await feed(apps, s.events)
    found = await november(apps, month)
    # The full-day part's money is the library's only; Evening has 20/30 of it.
    assert figures(found, "booked_seat_shifts", "billed_paise") == {
        "Morning": (10, 0),
        "Evening": (30, 200_000),
        None: (40, 300_000),
    }
