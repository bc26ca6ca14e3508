"""Benchmark: the analytics service with 100 tenants x one year of events, on PostgreSQL.

    .venv/bin/python bench/analytics.py [--tenants 100] [--bookings 20] [--checkins 8]
        [--connections 4] [--duration 20] [--keep]

What it does (STUDYSPOT_BENCH_PG, default postgresql://postgres@127.0.0.1:5432/postgres;
helpers shared with bench/bookings.py):

1. fresh core and tenant databases, migrated; auth, tenant, library, analytics and the
   gateway as processes (`studyspot serve`), ports from 14000;
2. through the gateway, per tenant: an owner (sign-up), a library of 40 seats and three
   shifts. Not timed;
3. a year of events per tenant (the last 12 months, Indian days): `--bookings` bookings a
   month (created and confirmed; paid in full, in part or not at all; one in ten
   cancelled with a refund; a student's next booking renews its last), and `--checkins`
   check-ins per booking at random hours. Shapes as the producing services publish them;
4. projection throughput, the worker's own path: one tenant's year delivered event by
   event through `kit.events.consumer.deliver` (one transaction each, processed-event
   ledger included). Beside it, the bare insert rate of the same rows with asyncpg at the
   same one-transaction-per-event: the event-log row and the read-model row, no ORM, no
   refold, no ledger: the ceiling;
5. the other tenants' years loaded through the same projection code (`projection.apply`),
   500 events per transaction (not timed as throughput);
6. the owner dashboard through the gateway: what the console's Analytics page asks for one
   library (KPIs of 12 months, cohorts of 12 months, the heatmap of 366 days, dues, students
   at risk), the five requests at once per page load, `--connections` owners of random
   tenants loading pages for `--duration` seconds; p50/p99 per request and per page;
7. prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg  # type: ignore[import-untyped]

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

from bookings import (  # type: ignore[import-not-found]  # noqa: E402
    GATEWAY_PORT,
    INDIA,
    call,
    drop_databases,
    fresh_databases,
    library_with_seats,
    percentile,
    pg_url,
    start_system,
)

from studyspot.kit.db import Database, TenantDatabases, unit_of_work  # noqa: E402
from studyspot.kit.events import Event  # noqa: E402
from studyspot.kit.events.consumer import Targets, deliver  # noqa: E402
from studyspot.kit.events.directory import CoreTenantDirectory  # noqa: E402
from studyspot.kit.settings import Settings  # noqa: E402
from studyspot.services.analytics.consumers import CONSUMERS  # noqa: E402
from studyspot.services.analytics.projection import apply  # noqa: E402

SERVICES = {
    "auth": 14001,
    "tenant": 14003,
    "library": 14005,
    "analytics": 14012,
    # Owns the limits the bench lifts (bench/bookings.py library_with_seats).
    "subscription": 14009,
}
SEATS = 40
SHIFTS = [
    ("Morning", "06:00", "12:00"),
    ("Afternoon", "12:00", "18:00"),
    ("Night", "18:00", "23:00"),
]


@dataclass
class Tenant:
    token: str
    refresh: str
    tenant_id: uuid.UUID
    library_id: uuid.UUID
    shifts: list[uuid.UUID]
    events: list[Event] = field(default_factory=list)


def ist(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, wall(hour, minute), INDIA)


def year_of_events(
    t: Tenant, bookings: int, checkins: int, today: date, rng: random.Random
) -> None:
    """Twelve months of a library's events, oldest first."""
    students = [uuid.uuid4() for _ in range(bookings * 3)]
    last_of: dict[uuid.UUID, uuid.UUID] = {}
    first = date(today.year - 1, today.month, 1)

    def add(topic: str, at: datetime, payload: dict[str, Any]) -> None:
        t.events.append(Event(uuid.uuid4(), topic, t.tenant_id, payload, at.astimezone(UTC)))

    for m in range(12):
        month = date(first.year + (first.month - 1 + m) // 12, (first.month - 1 + m) % 12 + 1, 1)
        for _ in range(bookings):
            student = rng.choice(students)
            start = month + timedelta(days=rng.randrange(28))
            end = start + timedelta(days=29)
            made = ist(start - timedelta(days=1), 10)
            booking, shift, total = uuid.uuid4(), rng.choice(t.shifts), 150_000
            about = {
                "booking_id": str(booking),
                "student_id": str(student),
                "library_id": str(t.library_id),
            }
            renewed = last_of.get(student)
            last_of[student] = booking
            add("booking.created", made, {
                **about, "seat_id": None, "shift_id": str(shift), "fee_plan_id": str(uuid.uuid4()),
                "start_date": start.isoformat(), "end_date": end.isoformat(),
                "hold_expires_at": (made + timedelta(minutes=15)).isoformat(), "total_paise": total,
                "renewed_from_id": str(renewed) if renewed else None, "waitlist_entry_id": None,
            })  # fmt: skip
            add("booking.confirmed", made, {
                **about, "payment_id": None, "confirmed_via": "desk", "start_date": start.isoformat(),
                "end_date": end.isoformat(), "total_paise": total,
            })  # fmt: skip
            paid = rng.choice((total, total, 100_000, 0))
            payment = uuid.uuid4()
            if paid:
                add("payment.captured", made, {
                    "payment_id": str(payment), "booking_id": str(booking),
                    "tenant_id": str(t.tenant_id), "amount_paise": paid,
                })  # fmt: skip
            last_day = end
            if paid and rng.random() < 0.1:
                cancelled = start + timedelta(days=rng.randrange(5, 20))
                last_day = cancelled - timedelta(days=1)
                add("booking.cancelled", ist(cancelled, 9), {
                    **about, "previous_status": "confirmed", "was_paid": True, "reason": "left",
                    "cancelled_by": None, "start_date": start.isoformat(), "end_date": end.isoformat(),
                })  # fmt: skip
                add("refund.processed", ist(cancelled, 11), {
                    "refund_id": str(uuid.uuid4()), "payment_id": str(payment), "booking_id": str(booking),
                    "tenant_id": str(t.tenant_id), "amount_paise": paid // 2,
                })  # fmt: skip
            span = (last_day - start).days + 1
            for offset in sorted(rng.sample(range(span), min(checkins, span))):
                day = start + timedelta(days=offset)
                at = ist(day, rng.randrange(6, 21), rng.randrange(60))
                if day > today:
                    continue
                add("attendance.checked_in", at, {
                    "id": str(uuid.uuid4()), "library_id": str(t.library_id), "student_id": str(student),
                    "booking_id": str(booking), "shift_id": str(shift), "seat_id": None, "seat_label": None,
                    "day": day.isoformat(), "shift_starts_at": at.isoformat(),
                    "shift_ends_at": (at + timedelta(hours=6)).isoformat(),
                    "checked_in_at": at.astimezone(UTC).isoformat(), "check_in_method": "door",
                    "late": False, "checked_out_at": None, "check_out_method": None,
                    "minutes_present": None, "corrected": False,
                })  # fmt: skip
    t.events.sort(key=lambda e: e.occurred_at)


async def make_tenants(
    http: aiohttp.ClientSession, base: str, core_db: str, n: int
) -> list[Tenant]:
    made: list[Tenant] = []
    for _ in range(n):
        owner, library_id, _ = await library_with_seats(http, base, core_db, SEATS)
        token = owner["access_token"]
        shifts = []
        for name, start, end in SHIFTS:
            shift = await call(
                http, "POST", f"{base}/api/v1/libraries/{library_id}/shifts", token,
                json={"name": name, "start_time": start, "end_time": end},
            )  # fmt: skip
            shifts.append(uuid.UUID(shift["id"]))
        made.append(
            Tenant(
                token,
                owner["refresh_token"],
                uuid.UUID(owner["user"]["tenant_id"]),
                uuid.UUID(library_id),
                shifts,
            )
        )
    return made


async def fresh_tokens(http: aiohttp.ClientSession, base: str, tenants: list[Tenant]) -> None:
    """New access tokens: the load takes longer than one lives (ACCESS_TOKEN_TTL_SECONDS)."""
    for t in tenants:
        answer = await call(
            http, "POST", f"{base}/api/auth/refresh", json={"refresh_token": t.refresh}
        )
        t.token, t.refresh = answer["access_token"], answer["refresh_token"]


async def projection_rate(settings: Settings, events: list[Event]) -> float:
    core = Database.create(settings.core_db_url, pool_size=2, max_overflow=0)
    tenants = TenantDatabases(settings)
    targets = Targets(core, tenants, CoreTenantDirectory(core))
    try:
        t0 = time.perf_counter()
        for event in events:
            await deliver(CONSUMERS[0], event, targets)
        return len(events) / (time.perf_counter() - t0)
    finally:
        await tenants.dispose()
        await core.dispose()


async def bare_rate(tenant_db: str, events: list[Event]) -> float:
    """The same rows, asyncpg, one transaction per event, under another tenant id."""
    conn = await asyncpg.connect(pg_url(tenant_db))
    tid = uuid.uuid4()
    renames: dict[str, uuid.UUID] = {}

    def fresh(key: str) -> uuid.UUID:
        return renames.setdefault(key, uuid.uuid4())

    try:
        t0 = time.perf_counter()
        for e in events:
            p = e.payload
            async with conn.transaction():
                subject = p.get("booking_id") if e.topic.startswith("booking.") else (
                    p.get("payment_id") if e.topic == "payment.captured" else p.get("refund_id") or p.get("id")
                )  # fmt: skip
                await conn.execute(
                    "INSERT INTO analytics_events (id, tenant_id, topic, subject_id, payload, occurred_at, "
                    "applied_at) VALUES ($1, $2, $3, $4, $5::json, $6, now())",
                    uuid.uuid4(), tid, e.topic, fresh(str(subject)), _json(p), e.occurred_at,
                )  # fmt: skip
                if e.topic.startswith("booking."):
                    await conn.execute(
                        "INSERT INTO analytics_bookings (booking_id, tenant_id, library_id, student_id, "
                        "shift_id, start_date, end_date, charged_paise, status, confirmed, created_at) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (booking_id) "
                        "DO UPDATE SET status = EXCLUDED.status, confirmed = EXCLUDED.confirmed",
                        fresh(p["booking_id"]), tid, uuid.UUID(p["library_id"]), uuid.UUID(p["student_id"]),
                        None, date.fromisoformat(p["start_date"]) if p.get("start_date") else None,
                        date.fromisoformat(p["end_date"]) if p.get("end_date") else None,
                        p.get("total_paise") or 0, e.topic.split(".")[1][:16], True, e.occurred_at,
                    )  # fmt: skip
                elif e.topic in ("payment.captured", "refund.processed"):
                    await conn.execute(
                        "INSERT INTO analytics_money (id, tenant_id, booking_id, kind, amount_paise, at) "
                        "VALUES ($1, $2, $3, $4, $5, $6)",
                        uuid.uuid4(), tid, fresh(p["booking_id"]), e.topic[:8], p["amount_paise"], e.occurred_at,
                    )  # fmt: skip
                else:
                    await conn.execute(
                        "INSERT INTO analytics_checkins (id, tenant_id, library_id, student_id, booking_id, "
                        "shift_id, day, checked_in_at, source_at, source_id) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                        uuid.uuid4(), tid, uuid.UUID(p["library_id"]), uuid.UUID(p["student_id"]),
                        fresh(p["booking_id"]), None, date.fromisoformat(p["day"]),
                        datetime.fromisoformat(p["checked_in_at"]), e.occurred_at, uuid.uuid4(),
                    )  # fmt: skip
        return len(events) / (time.perf_counter() - t0)
    finally:
        await conn.execute("DELETE FROM analytics_events WHERE tenant_id = $1", tid)
        for table in ("analytics_bookings", "analytics_money", "analytics_checkins"):
            await conn.execute(f"DELETE FROM {table} WHERE tenant_id = $1", tid)
        await conn.close()


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


async def load(settings: Settings, tenants: list[Tenant]) -> float:
    db = Database.create(settings.tenant_db_url, pool_size=2, max_overflow=0)
    total, t0 = 0, time.perf_counter()
    try:
        for t in tenants:
            for i in range(0, len(t.events), 500):
                async with unit_of_work(db, tenant_id=t.tenant_id) as session:
                    for event in t.events[i : i + 500]:
                        await apply(session, event)
                total += len(t.events[i : i + 500])
        return total / (time.perf_counter() - t0)
    finally:
        await db.dispose()


async def dashboards(
    base: str, tenants: list[Tenant], connections: int, duration: int, today: date
) -> dict[str, list[float]]:
    this = f"{today.year:04d}-{today.month:02d}"
    back = date(today.year - 1, today.month, 1) + timedelta(days=31)
    first = f"{back.year:04d}-{back.month:02d}"
    asks = {
        "kpis": {"from": first, "to": this},
        "cohorts": {"from": first, "to": this},
        "heatmap": {"from": (today - timedelta(days=365)).isoformat(), "to": today.isoformat()},
        "dues": {},
        "at-risk": {},
    }
    timings: dict[str, list[float]] = {name: [] for name in [*asks, "page"]}
    errors: dict[int, int] = {}
    stop = time.monotonic() + duration

    async def one(
        http: aiohttp.ClientSession, t: Tenant, name: str, params: dict[str, str]
    ) -> None:
        t0 = time.perf_counter()
        url = f"{base}/api/v1/analytics/libraries/{t.library_id}/{name}"
        async with http.get(
            url, params=params, headers={"Authorization": f"Bearer {t.token}"}
        ) as resp:
            await resp.read()
            if resp.status != 200:
                errors[resp.status] = errors.get(resp.status, 0) + 1
        timings[name].append((time.perf_counter() - t0) * 1000)

    async def worker(http: aiohttp.ClientSession, rng: random.Random) -> None:
        while time.monotonic() < stop:
            t = rng.choice(tenants)
            t0 = time.perf_counter()
            await asyncio.gather(*(one(http, t, n, p) for n, p in asks.items()))
            timings["page"].append((time.perf_counter() - t0) * 1000)

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(worker(http, random.Random(i)) for i in range(connections)))
    if errors:
        raise SystemExit(f"dashboard requests failed, by status: {errors}")
    return timings


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--bookings", type=int, default=20, help="bookings per library per month")
    parser.add_argument("--checkins", type=int, default=8, help="check-ins per booking")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    core_db, tenant_db, logs, env = await fresh_databases("analytics", {})
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CORE_DATABASE_URL", "ENVIRONMENT")})
    settings = Settings(
        database_url=env["DATABASE_URL"],
        core_database_url=env["CORE_DATABASE_URL"],
        environment="test",
    )  # type: ignore[call-arg]
    procs = await start_system(env, logs, SERVICES)
    base = f"http://127.0.0.1:{GATEWAY_PORT}"
    try:
        t0 = time.perf_counter()
        async with aiohttp.ClientSession() as http:
            tenants = await make_tenants(http, base, core_db, args.tenants)
        print(f"{len(tenants)} tenants made in {time.perf_counter() - t0:.0f} s", flush=True)
        today = datetime.now(INDIA).date()
        rng = random.Random(17)
        for t in tenants:
            year_of_events(t, args.bookings, args.checkins, today, rng)
        events = sum(len(t.events) for t in tenants)
        print(f"{events} events generated ({len(tenants[0].events)} per tenant)", flush=True)
        sample = tenants[0].events
        projected = await projection_rate(settings, sample)
        bare = await bare_rate(tenant_db, sample)
        print(f"projection {projected:.0f} events/s; bare insert {bare:.0f} events/s", flush=True)
        t0 = time.perf_counter()
        loaded = await load(settings, tenants[1:])
        print(
            f"loaded the other tenants at {loaded:.0f} events/s in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        async with aiohttp.ClientSession() as http:
            await fresh_tokens(http, base, tenants)
        runs = {
            c: await dashboards(base, tenants, c, args.duration, today)
            for c in sorted({1, args.connections})
        }
        print()
        print(f"{platform.node()}, {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
              f"load average {os.getloadavg()[0]:.1f}; {len(tenants)} tenants, {events} events")  # fmt: skip
        print()
        print("| measure | value |")
        print("|---|---|")
        print(
            f"| projection through the consumer (one transaction per event) | {projected:.0f} events/s |"
        )
        print(
            f"| bare insert of the same rows (asyncpg, one transaction per event) | {bare:.0f} events/s |"
        )
        print(f"| projection ÷ bare | {projected / bare:.0%} |")
        print(
            f"| bulk load through `projection.apply` (500 events per transaction) | {loaded:.0f} events/s |"
        )
        print()
        print(f"| request ({args.duration} s each) | owners at once | n | p50 ms | p99 ms |")
        print("|---|---|---|---|---|")
        for connections, timings in runs.items():
            for name, values in timings.items():
                print(
                    f"| {name} | {connections} | {len(values)} | {percentile(values, 0.5):.0f} | "
                    f"{percentile(values, 0.99):.0f} |"
                )
    finally:
        for proc in reversed(procs):
            await proc.stop()
        if not args.keep:
            await drop_databases([core_db, tenant_db])


if __name__ == "__main__":
    asyncio.run(main())
