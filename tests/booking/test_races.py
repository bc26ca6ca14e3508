"""Race-freedom: many requests for one place at once, on PostgreSQL and SQLite (in process).

The same proof through the gateway, against real service processes, is in
test_gateway_races.py.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import func, select

from studyspot.services.booking.models import Booking
from tests.conftest import Apps
from tests.fixtures.bookings import ReadyLibrary, booking_body, ready_library, small_pools

CONCURRENT = 50


async def storm(
    apps: Apps, ready: ReadyLibrary, bodies: list[dict[str, Any]]
) -> list[httpx.Response]:
    client = apps.client("booking")
    return await asyncio.gather(
        *(client.post("/api/v1/bookings", json=b, headers=ready.owner.headers) for b in bodies)
    )


def odd(responses: list[httpx.Response]) -> list[str]:
    """Answers that are neither the win nor the lost race, for the assertion message."""
    return sorted({r.text for r in responses if r.status_code not in (201, 409)})[:3]


def outcome(responses: list[httpx.Response]) -> Counter[tuple[int, str]]:
    return Counter(
        (r.status_code, r.json().get("code", "") if r.status_code != 201 else "") for r in responses
    )


async def live_bookings(apps: Apps, ready: ReadyLibrary) -> int:
    db = apps.app("booking").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(Booking).where(Booking.seat_id == ready.seats[0])
        )
    return int(count or 0)


async def test_fifty_concurrent_bookings_of_one_seat_exactly_one_wins(apps: Apps) -> None:
    small_pools(apps, size=2, overflow=2)
    ready = await ready_library(apps, seats=1, students=10)
    bodies = [booking_body(ready, student=ready.students[i % 10]) for i in range(CONCURRENT)]
    responses = await storm(apps, ready, bodies)
    expected = {(201, ""): 1, (409, "seat_unavailable"): CONCURRENT - 1}
    assert outcome(responses) == expected, odd(responses)
    assert await live_bookings(apps, ready) == 1


async def test_shifts_overlapping_across_midnight_race_for_one_seat_and_one_wins(
    apps: Apps,
) -> None:
    small_pools(apps, size=2, overflow=2)
    ready = await ready_library(apps, seats=1, students=10)
    # Night (22:00-06:00) and early (05:00-09:00) from the same day: each night
    # runs into the next early shift, so the two cannot share the seat.
    bodies = [
        booking_body(ready, student=ready.students[i % 10], shift="night" if i % 2 else "early")
        for i in range(CONCURRENT)
    ]
    responses = await storm(apps, ready, bodies)
    expected = {(201, ""): 1, (409, "seat_unavailable"): CONCURRENT - 1}
    assert outcome(responses) == expected, odd(responses)
    assert await live_bookings(apps, ready) == 1


async def test_two_shifts_that_do_not_overlap_both_get_the_seat(apps: Apps) -> None:
    small_pools(apps, size=2, overflow=2)
    ready = await ready_library(apps, seats=1, students=10)
    bodies = [
        booking_body(
            ready, student=ready.students[i % 10], shift="morning" if i % 2 else "afternoon"
        )
        for i in range(CONCURRENT)
    ]
    responses = await storm(apps, ready, bodies)
    expected = {(201, ""): 2, (409, "seat_unavailable"): CONCURRENT - 2}
    assert outcome(responses) == expected, odd(responses)
    won = sorted(r.json()["window_start"] for r in responses if r.status_code == 201)
    assert won == ["06:00", "12:00"]
