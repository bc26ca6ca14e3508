"""A scripted November of one library: every KPI equals the value worked out by hand here.

The library (Asia/Kolkata) has 2 active seats and two shifts, morning (M) and
evening (E): 2 x 30 = 60 seat-shifts per shift in November, 120 in all.

| booking | student | shift | dates | total | what happens |
|---|---|---|---|---|---|
| B1 | S1 | M | Oct 17-Nov 16 | 1,500 | paid 1,000 Oct 16, 400 Nov 3 |
| B1r | S1 | M | Nov 17-Dec 16 | 1,500 | renewal of B1, made Nov 12, paid 1,400 |
| B2 | S2 | M | Oct 20-Nov 19 | 1,500 | paid 1,200 Oct 19; comes less and less; not renewed |
| B6 | S6 | M | Nov 21-Dec 20 | 1,500 | paid 1,000 Nov 20, 300 Nov 28 |
| B3 | S3 | E | Nov 6-Dec 5 | 1,200 | paid Nov 5, cancelled Nov 16, 600 refunded Nov 17 |
| B4 | S4 | E | Nov 10-Dec 9 | 1,200 | held Nov 9, expired unpaid |
| B5 | S5 | E | Nov 24-Dec 23 | 1,200 | confirmed at the desk Nov 23, +100 transfer Nov 25, unpaid |
| B7 | S7 | E | Nov 1-Nov 30 | 1,200 | made and paid 2026-10-31 19:00 UTC (Nov 1, 00:30 IST); cancelled 2026-11-20 20:00 UTC (Nov 21, 01:30 IST) |
| B9 | S9 | E | Nov 10-Dec 9 | 1,200 | paid 500 Nov 9 |

Check-ins: B1 Nov 1-10 at 06:15 (and Oct 31); B2 Oct 20-31 and Nov 1-4 at 06:40, no-shows
Nov 15-19; B1r Nov 17-30 at 07:30 (checked out too); B3 Nov 6-15 at 14:05; B7 Nov 1-15 at
14:30; B9 no-shows Nov 10-12.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from studyspot.kit.events import Event
from tests.conftest import Apps
from tests.fixtures.analytics import Script, feed, ist, read_models
from tests.fixtures.bookings import add_seats, add_shift
from tests.fixtures.library import create_library
from tests.fixtures.users import LoggedIn, register_owner

ANALYTICS = "/api/v1/analytics/libraries"


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


class Month:
    """The library and the events of the table above."""

    def __init__(self, owner: LoggedIn, library_id: uuid.UUID, m: uuid.UUID, e: uuid.UUID) -> None:
        assert owner.tenant_id is not None
        self.owner, self.library_id, self.m, self.e = owner, library_id, m, e
        s = self.script = Script(owner.tenant_id, library_id)
        self.students = {n: uuid.uuid4() for n in (1, 2, 3, 4, 5, 6, 7, 9)}
        st = self.students
        b1 = s.book(ist(d(10, 16), "10:00"), st[1], m, d(10, 17), d(11, 16), 150_000)
        s.pay(ist(d(10, 16), "10:00"), b1, 100_000)
        s.pay(ist(d(11, 3), "10:00"), b1, 40_000)
        b1r = s.book(
            ist(d(11, 12), "10:00"), st[1], m, d(11, 17), d(12, 16), 150_000, renewed_from=b1
        )
        s.pay(ist(d(11, 12), "10:00"), b1r, 140_000)
        b2 = s.book(ist(d(10, 19), "10:00"), st[2], m, d(10, 20), d(11, 19), 150_000)
        s.pay(ist(d(10, 19), "10:00"), b2, 120_000)
        b6 = s.book(ist(d(11, 20), "10:00"), st[6], m, d(11, 21), d(12, 20), 150_000)
        s.pay(ist(d(11, 20), "10:00"), b6, 100_000)
        s.pay(ist(d(11, 28), "10:00"), b6, 30_000)
        b3 = s.book(ist(d(11, 5), "10:00"), st[3], e, d(11, 6), d(12, 5), 120_000)
        p3 = s.pay(ist(d(11, 5), "10:00"), b3, 120_000)
        s.cancel(ist(d(11, 16), "10:00"), b3)
        s.refund(ist(d(11, 17), "10:00"), b3, p3, 60_000)
        b4 = s.book(ist(d(11, 9), "10:00"), st[4], e, d(11, 10), d(12, 9), 120_000, confirm=False)
        s.expire(ist(d(11, 9), "10:20"), b4)
        b5 = s.book(ist(d(11, 23), "10:00"), st[5], e, d(11, 24), d(12, 23), 120_000)
        s.transfer(ist(d(11, 25), "10:00"), b5, e, 10_000)
        b7 = s.book(ist(d(11, 1), "00:30"), st[7], e, d(11, 1), d(11, 30), 120_000)
        s.pay(ist(d(11, 1), "00:30"), b7, 120_000)
        s.cancel(ist(d(11, 21), "01:30"), b7)
        b9 = s.book(ist(d(11, 9), "10:00"), st[9], e, d(11, 10), d(12, 9), 120_000)
        s.pay(ist(d(11, 9), "10:00"), b9, 50_000)
        for day in [d(10, 31), *days(d(11, 1), d(11, 10))]:
            s.check_in(b1, m, day, "06:15")
        for day in days(d(10, 20), d(11, 4)):
            s.check_in(b2, m, day, "06:40")
        for day in days(d(11, 15), d(11, 19)):
            s.no_show(b2, m, day, "06:00")
        for day in days(d(11, 17), d(11, 30)):
            s.check_in(b1r, m, day, "07:30", out=True)
        for day in days(d(11, 6), d(11, 15)):
            s.check_in(b3, e, day, "14:05")
        for day in days(d(11, 1), d(11, 15)):
            s.check_in(b7, e, day, "14:30")
        for day in days(d(11, 10), d(11, 12)):
            s.no_show(b9, e, day, "14:00")
        self.bookings = {"b1": b1, "b1r": b1r, "b2": b2, "b5": b5, "b6": b6, "b9": b9}

    @property
    def events(self) -> list[Event]:
        return list(self.script.events)

    async def get(
        self, apps: Apps, path: str, params: dict[str, str], who: LoggedIn | None = None
    ) -> Any:
        resp = await apps.client("analytics").get(
            f"{ANALYTICS}/{self.library_id}/{path}",
            params=params,
            headers=(who or self.owner).headers,
        )
        assert resp.status_code == 200, resp.text
        return resp.json()


async def library_of(apps: Apps, owner: LoggedIn | None = None) -> Month:
    owner = owner or await register_owner(apps)
    library_id = uuid.UUID((await create_library(apps, owner, name="Lakshya Kothrud"))["id"])
    await add_seats(apps, owner, library_id, 2)
    m = await add_shift(apps, owner, library_id, "Morning", "06:00", "12:00")
    e = await add_shift(apps, owner, library_id, "Evening", "14:00", "20:00")
    return Month(owner, library_id, m, e)


def rows_by_shift(report: dict[str, Any], month: str) -> dict[str | None, dict[str, Any]]:
    return {r["shift_name"]: r for r in report["rows"] if r["month"] == month}


EXPECTED_NOVEMBER: dict[str | None, dict[str, Any]] = {
    # Seat-days: B1 16 + B1r 14 + B2 19 + B6 10 = 59 (M); B3 10 (to the 15th) + B5 7 + B7 20
    # (cancelled on the 21st in India, the 20th in UTC) + B9 21 = 58 (E); B4 never confirmed.
    # Attended: B1 10 + B2 4 + B1r 14 = 28 (M); B3 10 + B7 15 = 25 (E).
    # Billed (start in Nov): B1r 1,500 + B6 1,500 (M); B3 1,200 + B5 1,300 + B7 1,200 + B9
    # 1,200 (E); of it collected B1r 1,400 + B6 1,300 (M), B3 600 + B7 1,200 + B9 500 (E).
    # Cash on November's Indian days: B1 400 + B1r 1,400 + B6 1,300 (M); B3 1,200 - 600 +
    # B7 1,200 + B9 500 (E). Ending in Nov, confirmed, not cancelled: B1 (renewed), B2 (not).
    "Morning": {
        "available_seat_shifts": 60,
        "booked_seat_shifts": 59,
        "attended_seat_shifts": 28,
        "no_shows": 5,
        "booked_occupancy": 0.9833,
        "physical_occupancy": 0.4667,
        "no_show_gap": 0.5167,
        "billed_paise": 300_000,
        "collected_of_billed_paise": 270_000,
        "collection_efficiency": 0.9,
        "collected_paise": 310_000,
        "revenue_per_available_seat_shift_paise": 5_000,
        "students": 2,
        "arpu_paise": 150_000,
        "bookings_ending": 2,
        "renewed": 1,
        "renewal_rate": 0.5,
        "churn_rate": 0.5,
    },
    "Evening": {
        "available_seat_shifts": 60,
        "booked_seat_shifts": 58,
        "attended_seat_shifts": 25,
        "no_shows": 3,
        "booked_occupancy": 0.9667,
        "physical_occupancy": 0.4167,
        "no_show_gap": 0.55,
        "billed_paise": 490_000,
        "collected_of_billed_paise": 230_000,
        "collection_efficiency": 0.4694,
        "collected_paise": 230_000,
        "revenue_per_available_seat_shift_paise": 8_166,
        "students": 4,
        "arpu_paise": 122_500,
        "bookings_ending": 0,
        "renewed": 0,
        "renewal_rate": None,
        "churn_rate": None,
    },
    None: {
        "available_seat_shifts": 120,
        "booked_seat_shifts": 117,
        "attended_seat_shifts": 53,
        "no_shows": 8,
        "booked_occupancy": 0.975,
        "physical_occupancy": 0.4417,
        "no_show_gap": 0.5333,
        "billed_paise": 790_000,
        "collected_of_billed_paise": 500_000,
        "collection_efficiency": 0.6329,
        "collected_paise": 540_000,
        "revenue_per_available_seat_shift_paise": 6_583,
        "students": 6,
        "arpu_paise": 131_666,
        "bookings_ending": 2,
        "renewed": 1,
        "renewal_rate": 0.5,
        "churn_rate": 0.5,
    },
}


def assert_november(report: dict[str, Any]) -> None:
    found = rows_by_shift(report, "2026-11")
    assert set(found) == {"Morning", "Evening", None}
    for shift, expected in EXPECTED_NOVEMBER.items():
        assert {k: found[shift][k] for k in expected} == expected, shift


async def test_a_scripted_month_gives_the_kpis_worked_out_by_hand(apps: Apps) -> None:
    month = await library_of(apps)
    assert await feed(apps, month.events) == len(month.events)
    report = await month.get(apps, "kpis", {"from": "2026-11", "to": "2026-11"})
    assert report["timezone"] == "Asia/Kolkata"
    assert report["active_seats"] == 2
    # The last event applied: B6's second payment on Nov 28 (the check-outs end on Nov 30).
    assert report["as_of"].startswith("2026-11-30T")
    assert_november(report)

    # Dues on Nov 30, aged from each booking's start (cancelled and expired ones owe nothing):
    # B5 1,300 (6 days), B1r 100 (13) and B6 200 (9), B9 700 (20), B1 100 (44) and B2 300 (41).
    dues = await month.get(apps, "dues", {"on": "2026-11-30"})
    assert dues["buckets"] == [
        {"bucket": "0-7", "bookings": 1, "outstanding_paise": 130_000},
        {"bucket": "8-15", "bookings": 2, "outstanding_paise": 30_000},
        {"bucket": "16-30", "bookings": 1, "outstanding_paise": 70_000},
        {"bucket": "31+", "bookings": 2, "outstanding_paise": 40_000},
    ]
    b = month.bookings
    assert [(i["booking_id"], i["days_outstanding"]) for i in dues["items"]] == [
        (str(b["b1"]), 44),
        (str(b["b2"]), 41),
        (str(b["b9"]), 20),
        (str(b["b1r"]), 13),
        (str(b["b6"]), 9),
        (str(b["b5"]), 6),
    ]
    assert (dues["total"], dues["page"], dues["page_size"]) == (6, 1, 50)
    # On Nov 2 only what was paid by then counts: B1 owed 500 (16 days), B2 300 (13 days).
    early = await month.get(apps, "dues", {"on": "2026-11-02"})
    assert [(x["bucket"], x["bookings"], x["outstanding_paise"]) for x in early["buckets"]] == [
        ("0-7", 0, 0),
        ("8-15", 1, 30_000),
        ("16-30", 1, 50_000),
        ("31+", 0, 0),
    ]

    # Cohorts by the Indian month of the first payment: S1, S2 in October; S3, S6, S7 (paid
    # at 00:30 IST on Nov 1, still October in UTC) and S9 in November; S5 never paid.
    # December: S1 (B1r) of October's; S6 and S9 of November's (S3 and S7 cancelled).
    cohorts = await month.get(apps, "cohorts", {"from": "2026-10", "to": "2026-12"})
    assert cohorts["cohorts"] == [
        {"cohort": "2026-10", "students": 2, "retained": [2, 2, 1], "retention": [1.0, 1.0, 0.5]},
        {"cohort": "2026-11", "students": 4, "retained": [4, 2], "retention": [1.0, 0.5]},
        {"cohort": "2026-12", "students": 0, "retained": [0], "retention": [None]},
    ]

    # Heatmap of November by Indian hour: 06:xx B1 10 + B2 4, 07:30 B1r 14, 14:xx B3 10 + B7 15.
    heat = await month.get(apps, "heatmap", {"from": "2026-11-01", "to": "2026-11-30"})
    assert len(heat["cells"]) == 7 * 24
    by_hour: dict[int, int] = {}
    for cell in heat["cells"]:
        by_hour[cell["hour"]] = by_hour.get(cell["hour"], 0) + cell["check_ins"]
    assert {h: n for h, n in by_hour.items() if n} == {6: 14, 7: 14, 14: 25}
    # Nov 1, 2026 was a Sunday: B1 06:15 and B2 06:40 and B7 14:30 that day.
    sunday = {(c["hour"]): c["check_ins"] for c in heat["cells"] if c["weekday"] == 6}
    # Sundays of November: 1, 8, 15, 22, 29. B1 (1, 8), B2 (1), B1r (22, 29), B3 (8, 15), B7 (1, 8, 15).
    assert (sunday[6], sunday[7], sunday[14]) == (3, 2, 5)

    # At risk on Nov 14: B2 ends Nov 19 unrenewed, 4 check-ins in Nov 1-14 against 12 in the
    # 14 days before; B1 dropped too but was renewed.
    risk = await month.get(apps, "at-risk", {"on": "2026-11-14"})
    assert risk["items"] == [
        {
            "student_id": str(month.students[2]),
            "booking_id": str(b["b2"]),
            "end_date": "2026-11-19",
            "recent_check_ins": 4,
            "previous_check_ins": 12,
        }
    ]


async def test_replaying_twice_and_out_of_order_changes_nothing(apps: Apps) -> None:
    owner = await register_owner(apps)
    month = await library_of(apps, owner)
    shuffled = month.events
    random.Random(17).shuffle(shuffled)
    assert await feed(apps, shuffled) == len(shuffled)
    first = await read_models(apps, month.script.tenant_id)
    report = await month.get(apps, "kpis", {"from": "2026-11", "to": "2026-11"})
    assert_november(report)
    # The same events again (a redelivery), in yet another order: nothing runs, nothing moves.
    assert await feed(apps, reversed(shuffled)) == 0
    assert await read_models(apps, month.script.tenant_id) == first


async def test_rebuild_equals_the_incremental_projection(apps: Apps) -> None:
    from studyspot.services.analytics.tasks import rebuild_tenants

    month = await library_of(apps)
    await feed(apps, month.events)
    incremental = await read_models(apps, month.script.tenant_id)
    before = await month.get(apps, "kpis", {"from": "2026-10", "to": "2026-12"})
    state = apps.app("analytics").state.kit
    done = await rebuild_tenants(state.core, state.tenants, month.script.tenant_id)
    assert [(t, r.events) for t, r in done] == [(month.script.tenant_id, len(month.events))]
    assert await read_models(apps, month.script.tenant_id) == incremental
    after = await month.get(apps, "kpis", {"from": "2026-10", "to": "2026-12"})
    assert after == before


async def test_the_dues_list_is_paged_and_its_buckets_count_every_due(apps: Apps) -> None:
    month = await library_of(apps)
    await feed(apps, month.events)
    b = month.bookings
    # The six open dues of Nov 30, oldest first; the second page of two is B9 and B1r.
    second = await month.get(apps, "dues", {"on": "2026-11-30", "page": "2", "page_size": "2"})
    assert [i["booking_id"] for i in second["items"]] == [str(b["b9"]), str(b["b1r"])]
    assert (second["total"], second["page"], second["page_size"]) == (6, 2, 2)
    assert [x["bookings"] for x in second["buckets"]] == [1, 2, 1, 2]
    assert sum(x["outstanding_paise"] for x in second["buckets"]) == 270_000
    past = await month.get(apps, "dues", {"on": "2026-11-30", "page": "4", "page_size": "2"})
    assert past["items"] == [] and past["total"] == 6
    # The CSV export is every due, whatever the page asked.
    resp = await apps.client("analytics").get(
        f"{ANALYTICS}/{month.library_id}/dues",
        params={"on": "2026-11-30", "page": "2", "page_size": "1", "format": "csv"},
        headers=month.owner.headers,
    )
    assert len(resp.text.splitlines()) == 1 + 6
    too_big = await apps.client("analytics").get(
        f"{ANALYTICS}/{month.library_id}/dues",
        params={"page_size": "201"},
        headers=month.owner.headers,
    )
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["field"] == "query.page_size"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11", "to": "2026-10"}, "query.to"),
        ({"from": "2024-01", "to": "2026-01"}, "query.to"),
        ({"from": "2026-13"}, "query.from"),
    ],
)
async def test_month_ranges_are_validated(apps: Apps, params: dict[str, str], field: str) -> None:
    month = await library_of(apps)
    resp = await apps.client("analytics").get(
        f"{ANALYTICS}/{month.library_id}/kpis", params=params, headers=month.owner.headers
    )
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"] for e in resp.json()["errors"]}


async def test_past_days_count_the_seats_and_shifts_they_had(apps: Apps) -> None:
    """Capacity from `library.capacity_changed`, as of each local day's end: 2 seats and both
    shifts until Nov 15; 4 seats from Nov 16 (changed at 10:00 IST); the evening shift
    closed on Nov 21 (at 00:30 IST, still Nov 20 in UTC)."""
    month = await library_of(apps)
    s = Script(month.script.tenant_id, month.library_id)
    s.capacity(ist(d(10, 1), "09:00"), 2, [month.m, month.e])
    s.capacity(ist(d(11, 16), "10:00"), 4, [month.m, month.e])
    s.capacity(ist(d(11, 21), "00:30"), 4, [month.m])
    await feed(apps, [*month.events, *reversed(s.events)])
    report = await month.get(apps, "kpis", {"from": "2026-10", "to": "2026-12"})
    available = {(r["month"], r["shift_name"]): r["available_seat_shifts"] for r in report["rows"]}
    # Morning: 2 x 15 + 4 x 15 = 90; evening: 2 x 15 + 4 x 5 = 50; the library 140.
    assert [available[("2026-11", k)] for k in ("Morning", "Evening", None)] == [90, 50, 140]
    # October had 2 seats and both shifts throughout; December 4 seats, the morning only.
    assert [available[("2026-10", k)] for k in ("Morning", "Evening", None)] == [62, 62, 124]
    assert [available[("2026-12", k)] for k in ("Morning", "Evening", None)] == [124, 0, 124]
    found = rows_by_shift(report, "2026-11")
    # The hand-worked November otherwise unchanged: 59 + 58 booked of 140.
    assert found[None]["booked_seat_shifts"] == 117
    assert found[None]["booked_occupancy"] == round(117 / 140, 4)
    assert found["Morning"]["booked_occupancy"] == round(59 / 90, 4)


async def test_a_full_day_booking_holds_its_seat_in_every_shift(apps: Apps) -> None:
    month = await library_of(apps)
    s = Script(month.script.tenant_id, month.library_id)
    # No shift (a full-day plan): Nov 1-15 is 15 days in each of the two shifts.
    s.book(ist(d(10, 31), "10:00"), uuid.uuid4(), None, d(11, 1), d(11, 15), 250_000)
    await feed(apps, s.events)
    report = await month.get(apps, "kpis", {"from": "2026-11", "to": "2026-11"})
    found = rows_by_shift(report, "2026-11")
    assert [found[k]["booked_seat_shifts"] for k in ("Morning", "Evening", None)] == [15, 15, 30]
    assert [found[k]["booked_occupancy"] for k in ("Morning", "Evening", None)] == [
        0.25,
        0.25,
        0.25,
    ]
    # Its money is the library's, not any one shift's.
    assert [found[k]["billed_paise"] for k in ("Morning", "Evening", None)] == [0, 0, 250_000]
