"""Who sees which numbers, CSV exports, and the projection fed by the real services' events."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from studyspot.kit.events import Event
from studyspot.kit.models import outbox_events
from tests.analytics.test_month import ANALYTICS, assert_november, library_of
from tests.conftest import Apps
from tests.fixtures.analytics import feed
from tests.fixtures.attendance import Clock, booked_student, check_in, display_code
from tests.fixtures.bookings import (
    local_moment,
    ready_library,
    tomorrow,
)
from tests.fixtures.library import create_library, hire_staff, raise_limits
from tests.fixtures.payments import created
from tests.fixtures.users import LoggedIn, register_owner

NOVEMBER = {"from": "2026-11", "to": "2026-11"}


async def kpis(
    apps: Apps, who: LoggedIn, library_id: uuid.UUID | str, **params: str
) -> httpx.Response:
    return await apps.client("analytics").get(
        f"{ANALYTICS}/{library_id}/kpis", params=params or NOVEMBER, headers=who.headers
    )


async def test_an_owner_never_sees_another_tenants_library_or_numbers(apps: Apps) -> None:
    a = await library_of(apps)
    b = await library_of(apps)
    await feed(apps, a.events)
    # B's owner asks for A's library: as if it did not exist.
    for path in ("kpis", "dues", "cohorts", "heatmap", "at-risk"):
        resp = await apps.client("analytics").get(
            f"{ANALYTICS}/{a.library_id}/{path}", headers=b.owner.headers
        )
        assert resp.status_code == 404, (path, resp.text)
        assert resp.json()["code"] == "library_not_found"
    # B's own library shows nothing of A's month, and B has no event yet.
    mine = (await kpis(apps, b.owner, b.library_id)).json()
    assert mine["as_of"] is None
    assert all(r["booked_seat_shifts"] == 0 and r["billed_paise"] == 0 for r in mine["rows"])
    assert_november((await kpis(apps, a.owner, a.library_id)).json())
    # No token, 401; a library id nobody has, 404.
    assert (
        await apps.client("analytics").get(f"{ANALYTICS}/{a.library_id}/kpis")
    ).status_code == 401
    assert (await kpis(apps, a.owner, uuid.uuid4())).status_code == 404


async def test_a_branch_manager_sees_only_its_branch_and_desk_staff_nothing(apps: Apps) -> None:
    owner = await register_owner(apps)
    await raise_limits(apps, owner, max_libraries=5, max_seats=1000)
    first = await library_of(apps, owner)
    other = uuid.UUID((await create_library(apps, owner, name="Lakshya Baner"))["id"])
    await feed(apps, first.events)
    _, manager = await hire_staff(apps, owner, [other], role="manager")
    _, clerk = await hire_staff(apps, owner, [first.library_id], role="staff")

    assert (await kpis(apps, manager, other)).status_code == 200
    refused = await kpis(apps, manager, first.library_id)
    assert refused.status_code == 404
    assert refused.json()["code"] == "library_not_found"
    # Desk staff hold no analytics:read at all.
    assert (await kpis(apps, clerk, first.library_id)).status_code == 403
    assert (await kpis(apps, owner, other)).status_code == 200


async def test_every_report_exports_as_csv_with_a_header_row(apps: Apps) -> None:
    month = await library_of(apps)
    await feed(apps, month.events)
    for path, params, header in (
        ("kpis", NOVEMBER, "month"),
        ("dues", {"on": "2026-11-30"}, "booking_id"),
        ("cohorts", NOVEMBER, "cohort"),
        ("heatmap", {"from": "2026-11-01", "to": "2026-11-30"}, "weekday"),
        ("at-risk", {"on": "2026-11-14"}, "student_id"),
    ):
        resp = await apps.client("analytics").get(
            f"{ANALYTICS}/{month.library_id}/{path}",
            params={**params, "format": "csv"},
            headers=month.owner.headers,
        )
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(resp.text)))
        assert rows[0][0] == header
        assert len(rows) > 1, path
    resp = await apps.client("analytics").get(
        f"{ANALYTICS}/{month.library_id}/kpis",
        params={**NOVEMBER, "format": "csv"},
        headers=month.owner.headers,
    )
    table = list(csv.DictReader(io.StringIO(resp.text)))
    whole = next(r for r in table if r["shift_id"] == "")
    assert (whole["billed_paise"], whole["booked_seat_shifts"]) == ("790000", "117")


async def test_a_heatmap_range_over_a_year_is_refused(apps: Apps) -> None:
    month = await library_of(apps)
    resp = await apps.client("analytics").get(
        f"{ANALYTICS}/{month.library_id}/heatmap",
        params={"from": "2025-01-01", "to": "2026-01-02"},
        headers=month.owner.headers,
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "query.to"


async def outbox(apps: Apps, tenant_id: uuid.UUID) -> list[Event]:
    db = apps.app("booking").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox_events)
            .where(outbox_events.c.tenant_id == tenant_id)
            .order_by(outbox_events.c.seq)
        )
        return [Event.from_row(r) for r in rows]


async def test_the_real_services_events_feed_the_read_models(apps: Apps) -> None:
    """A booking, a partial cash payment and a check-in made through the services' APIs."""
    ready = await ready_library(apps, seats=2, students=1)
    clock = Clock(apps)
    day = tomorrow()
    # Confirmed at the desk, then part of it paid in cash.
    who = await booked_student(apps, ready, shift="morning", start=day)
    total = who.booking["total_paise"]
    payment = await created(
        apps, ready.owner, uuid.UUID(who.booking["id"]), "cash", amount_paise=50_000
    )
    assert payment["status"] == "captured"
    clock.set(local_moment(day, "06:05"))
    code = (await display_code(apps, ready.owner.headers, ready.library_id))["code"]
    assert (await check_in(apps, who.student, code)).status_code == 201

    events = await outbox(apps, ready.tenant_id)
    topics = {e.topic for e in events}
    assert {"booking.created", "payment.captured", "attendance.checked_in"} <= topics
    await feed(apps, events)
    month = f"{day.year:04d}-{day.month:02d}"
    report = (
        await kpis(apps, ready.owner, ready.library_id, **{"from": month, "to": month})
    ).json()
    whole = next(r for r in report["rows"] if r["shift_id"] is None)
    assert whole["billed_paise"] == total
    assert whole["collected_of_billed_paise"] == 50_000
    assert whole["attended_seat_shifts"] == 1
    assert whole["students"] == 1
    morning = next(r for r in report["rows"] if r["shift_id"] == str(ready.shifts["morning"]))
    assert morning["attended_seat_shifts"] == 1
    # Booked from `day` to the plan's end: at least that day, at most the month's rest.
    last = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    assert 1 <= morning["booked_seat_shifts"] <= (last - day).days + 1
    assert report["as_of"] is not None
    assert datetime.fromisoformat(report["as_of"]) <= datetime.now(UTC) + timedelta(days=2)
