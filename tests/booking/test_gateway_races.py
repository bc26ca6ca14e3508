"""The race proof end to end: 50 concurrent bookings through the gateway, against every
service running as its own process, on PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.fixtures.bookings import tomorrow
from tests.fixtures.system import System

pytestmark = pytest.mark.slow
CONCURRENT = 50
STUDENTS = 10


@dataclass
class GatewayLibrary:
    headers: dict[str, str]
    library_id: str
    seat_id: str
    shifts: dict[str, str]
    plan_id: str
    students: list[str]


async def _created(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def library_through_the_gateway(http: httpx.AsyncClient) -> GatewayLibrary:
    """An owner signs up and sets up a one-seat library with students, all via the gateway."""
    signup = await _created(
        await http.post(
            "/api/auth/register",
            json={
                "email": f"race-{uuid.uuid4().hex[:10]}@example.com",
                "password": "correct-horse-1",
                "name": "Asha Verma",
                "business_name": "Race Library",
            },
        )
    )
    headers = {"Authorization": f"Bearer {signup['access_token']}"}
    library = await _created(
        await http.post(
            "/api/v1/libraries",
            json={
                "name": "Race Branch",
                "address": "Karve Road",
                "city": "Pune",
                "state": "MH",
                "pincode": "411038",
            },
            headers=headers,
        )
    )
    lid = library["id"]
    seats = await _created(
        await http.post(
            f"/api/v1/libraries/{lid}/seats/bulk",
            json={"prefix": "A", "from": 1, "to": 1},
            headers=headers,
        )
    )
    shifts: dict[str, str] = {}
    for name, start, end in [
        ("morning", "06:00", "12:00"),
        ("afternoon", "12:00", "18:00"),
        ("night", "22:00", "06:00"),
        ("early", "05:00", "09:00"),
    ]:
        made = await _created(
            await http.post(
                f"/api/v1/libraries/{lid}/shifts",
                json={"name": name, "start_time": start, "end_time": end},
                headers=headers,
            )
        )
        shifts[name] = made["id"]
    plan = await _created(
        await http.post(
            "/api/fee-plans",
            json={
                "library_id": lid,
                "name": "Monthly shift",
                "duration_unit": "month",
                "duration_value": 1,
                "shift_ids": list(shifts.values()),
                "price_paise": 150_000,
                "gst_rate_percent": 18,
                "price_includes_tax": True,
            },
            headers=headers,
        )
    )
    students = []
    for i in range(STUDENTS):
        student = await _created(
            await http.post(
                "/api/v1/students",
                json={
                    "name": f"Student {i}",
                    "phone": f"9{uuid.uuid4().int % 10**9:09d}",
                    "home_library_id": lid,
                },
                headers=headers,
            )
        )
        students.append(student["id"])
    return GatewayLibrary(headers, lid, seats["items"][0]["id"], shifts, plan["id"], students)


def diagnosis(system: System, answers: list[httpx.Response]) -> str:
    """What went wrong besides the race, for the assertion message: details and process errors."""
    odd = {a.text for a in answers if a.status_code not in (201, 409)}
    errors = {
        name: sorted(set(re.findall(r'"exc_value": "([^"]{0,160})', system.logs_of(name))))[-5:]
        for name in system.services + ["gateway"]
    }
    return f"unexpected answers: {sorted(odd)[:5]}; errors logged: { {k: v for k, v in errors.items() if v} }"


async def storm(
    http: httpx.AsyncClient, lib: GatewayLibrary, shift_of: Any
) -> list[httpx.Response]:
    start = tomorrow().isoformat()

    def body(i: int) -> dict[str, str]:
        return {
            "student_id": lib.students[i % STUDENTS],
            "library_id": lib.library_id,
            "seat_id": lib.seat_id,
            "shift_id": lib.shifts[shift_of(i)],
            "fee_plan_id": lib.plan_id,
            "start_date": start,
        }

    return await asyncio.gather(
        *(
            http.post("/api/v1/bookings", json=body(i), headers=lib.headers)
            for i in range(CONCURRENT)
        )
    )


def outcome(answers: list[httpx.Response]) -> Counter[tuple[int, str]]:
    return Counter(
        (a.status_code, "" if a.status_code == 201 else a.json().get("code", "")) for a in answers
    )


async def live_on_the_seat(http: httpx.AsyncClient, lib: GatewayLibrary) -> int:
    resp = await http.get(
        "/api/v1/bookings",
        params={"seat_id": lib.seat_id, "status": "pending_payment"},
        headers=lib.headers,
    )
    assert resp.status_code == 200, resp.text
    return int(resp.json()["total"])


async def test_fifty_bookings_of_one_seat_through_the_gateway_one_wins(system: System) -> None:
    async with system.client(timeout=120) as http:
        lib = await library_through_the_gateway(http)
        answers = await storm(http, lib, lambda i: "morning")
        assert outcome(answers) == {
            (201, ""): 1,
            (409, "seat_unavailable"): CONCURRENT - 1,
        }, diagnosis(system, answers)
        assert await live_on_the_seat(http, lib) == 1


async def test_night_and_early_shifts_racing_across_midnight_one_wins(system: System) -> None:
    async with system.client(timeout=120) as http:
        lib = await library_through_the_gateway(http)
        answers = await storm(http, lib, lambda i: "night" if i % 2 else "early")
        assert outcome(answers) == {
            (201, ""): 1,
            (409, "seat_unavailable"): CONCURRENT - 1,
        }, diagnosis(system, answers)
        assert await live_on_the_seat(http, lib) == 1


async def test_morning_and_afternoon_racing_for_one_seat_both_win(system: System) -> None:
    async with system.client(timeout=120) as http:
        lib = await library_through_the_gateway(http)
        answers = await storm(http, lib, lambda i: "morning" if i % 2 else "afternoon")
        assert outcome(answers) == {
            (201, ""): 2,
            (409, "seat_unavailable"): CONCURRENT - 2,
        }, diagnosis(system, answers)
        assert await live_on_the_seat(http, lib) == 2
