"""Benchmark: availability of a 500-seat library with 50,000 bookings, and booking creation,
through the gateway, on PostgreSQL.

    .venv/bin/python bench/bookings.py [--seats 500] [--bookings 50000] [--duration 15]
        [--connections 1,8] [--creations 400] [--create-connections 1,8] [--keep]

What it does, end to end (STUDYSPOT_BENCH_PG, default
postgresql://postgres@127.0.0.1:5432/postgres):

1. creates fresh core and tenant databases and migrates them;
2. starts auth, tenant, library, student, booking and the gateway as separate
   processes (`studyspot serve <name>`, as `studyspot up` does), ports from 14000;
3. through the gateway: signs an owner up, makes a library with `--seats` seats,
   four shifts, a monthly and a daily plan, and 100 students (the trial's seat
   limit is lifted in the core database first: a platform admin's job);
4. bulk-loads `--bookings` past and current bookings with COPY (monthly, four
   shifts per seat, month after month back in time; the current month active):
   the point is to measure reads over a big table, not the loader;
5. measures availability (a 30-day period, one shift and the full day) with
   wrk (or a built-in aiohttp loop) for `--duration` seconds per connection count:
   the same map asked again and again, as consoles showing it do (answered from the
   booking process's kept map while nothing changed), and 360 different maps in turn
   (4 shifts x 90 periods from today, each over this month's full library: made afresh
   every time, the cost of a map after a change);
6. measures booking creation: `--creations` holds through the gateway, every
   one a distinct free seat-day, then the same number of *bare SQL*
   transactions doing what a creation does in the database (advisory lock,
   conflict query, insert booking, audit row, outbox row) with asyncpg
   directly, at the same concurrency: the ceiling. The ratio is printed;
7. prints Markdown tables for docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import lean_anchor  # noqa: E402
from students import cpu_seconds  # type: ignore[import-not-found]  # noqa: E402

from studyspot.kit import migrate  # noqa: E402
from studyspot.runner import ManagedProcess, Plan  # noqa: E402

PG_ADMIN = os.environ.get("STUDYSPOT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SERVICES = {
    "auth": 14001,
    "tenant": 14003,
    "student": 14004,
    "library": 14005,
    "booking": 14006,
    # Owns the limits the bench lifts (a new tenant's subscription opens on its first visit).
    "subscription": 14009,
}
GATEWAY_PORT = 14000
PASSWORD = "bench-password-1"
INDIA = ZoneInfo("Asia/Kolkata")
SHIFTS = [("Morning", "06:00", "12:00"), ("Afternoon", "12:00", "18:00"),
          ("Evening", "18:00", "22:00"), ("Night", "22:00", "06:00")]  # fmt: skip
STUDENTS = 100


def pg_url(database: str, driver: str = "postgresql") -> str:
    return (
        make_url(PG_ADMIN)
        .set(drivername=driver, database=database)
        .render_as_string(hide_password=False)
    )


def lock_key(*parts: object) -> int:
    """The booking service's advisory-lock key (repository.lock_key), for the bare-SQL ceiling."""
    digest = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def recreate_databases(names: list[str]) -> None:
    conn = await asyncpg.connect(pg_url("postgres"))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def fresh_databases(
    name: str, extra: dict[str, str]
) -> tuple[str, str, Path, dict[str, str]]:
    """New, migrated core and tenant databases, a log folder, and the services' environment
    (the rate limiter out of the way: the benches measure the services, not it)."""
    suffix = uuid.uuid4().hex[:6]
    core_db, tenant_db = f"ss_{name}_core_{suffix}", f"ss_{name}_tenant_{suffix}"
    await recreate_databases([core_db, tenant_db])
    migrate.upgrade("core", pg_url(core_db, "postgresql+asyncpg"))
    migrate.upgrade("tenant", pg_url(tenant_db, "postgresql+asyncpg"))
    logs = Path(tempfile.mkdtemp(prefix=f"studyspot-{name}-"))
    env = dict(os.environ)
    env.update(
        {
            "ENVIRONMENT": "test",
            "DATABASE_URL": pg_url(tenant_db),
            "CORE_DATABASE_URL": pg_url(core_db),
            "DATA_DIR": str(logs),
            "BCRYPT_ROUNDS": "4",
            "LOG_LEVEL": "WARNING",
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
            "GATEWAY_AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
            **extra,
        }
    )
    return core_db, tenant_db, logs, env


async def drop_databases(names: list[str]) -> None:
    conn = await asyncpg.connect(pg_url("postgres"))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def start_system(
    env: dict[str, str], logs: Path, services: dict[str, int] = SERVICES
) -> list[ManagedProcess]:
    plan = Plan(
        services={name: [port] for name, port in services.items()},
        gateway_port=GATEWAY_PORT,
        worker=False,
        env=env,
    )
    specs, _, gateway = plan.specs()
    handles = {name: (logs / f"{name}.log").open("a") for name in [*services, "gateway"]}

    def output(name: str, line: str) -> None:
        handles[name].write(line + "\n")

    procs = [ManagedProcess(spec, output) for spec in specs]
    for proc in procs:
        await proc.start()
    if not all(await asyncio.gather(*(p.wait_healthy() for p in procs))):
        raise SystemExit(f"services did not start; see {logs}")
    gw = ManagedProcess(gateway, output)
    await gw.start()
    if not await gw.wait_healthy():
        raise SystemExit(f"gateway did not start; see {logs}")
    return [*procs, gw]


async def call(
    http: aiohttp.ClientSession, method: str, url: str, token: str | None = None, **kw: Any
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.request(method, url, headers=headers, **kw) as resp:
        body = await resp.json()
        if resp.status >= 300:
            raise SystemExit(f"{method} {url} → {resp.status}: {json.dumps(body)[:400]}")
        return body


class Library:
    def __init__(self) -> None:
        self.token = ""
        self.tenant_id = ""
        self.library_id = ""
        self.seats: list[str] = []
        self.shifts: list[str] = []
        self.full_day_shift = ""
        self.monthly_plan = ""
        self.daily_plan = ""
        self.students: list[str] = []


async def library_with_seats(
    http: aiohttp.ClientSession, base: str, core_db: str, seats: int
) -> tuple[dict[str, Any], str, list[str]]:
    """A new owner (its sign-up answer) with a branch of seats S001.. (the subscription's
    limits lifted in the core database first: a platform admin's job), the branch's
    id and the seats' ids."""
    owner = await call(
        http,
        "POST",
        f"{base}/api/auth/register",
        json={
            "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
            "password": PASSWORD,
            "name": "Bench Owner",
            "business_name": "Bench Library",
        },
    )
    token, tenant_id = owner["access_token"], owner["user"]["tenant_id"]
    await call(http, "GET", f"{base}/api/v1/subscriptions/current", token)
    conn = await asyncpg.connect(pg_url(core_db))
    try:
        await conn.execute(
            # Limits are the subscription's (kit/entitlements.py): none for the bench.
            "UPDATE subscriptions SET max_libraries = NULL, max_seats = NULL, "
            "max_students = NULL WHERE tenant_id = $1",
            uuid.UUID(tenant_id),
        )
    finally:
        await conn.close()
    made = await call(
        http,
        "POST",
        f"{base}/api/v1/libraries",
        token,
        json={
            "name": "Bench Branch",
            "address": "1 Station Road",
            "city": "Pune",
            "state": "MH",
            "pincode": "411001",
        },
    )
    rows = await call(
        http,
        "POST",
        f"{base}/api/v1/libraries/{made['id']}/seats/bulk",
        token,
        json={"prefix": "S", "from": 1, "to": seats, "pad": 3},
    )
    return owner, made["id"], [s["id"] for s in rows["items"]]


async def set_up(http: aiohttp.ClientSession, base: str, core_db: str, seats: int) -> Library:
    lib = Library()
    owner, lib.library_id, lib.seats = await library_with_seats(http, base, core_db, seats)
    lib.token, lib.tenant_id = owner["access_token"], owner["user"]["tenant_id"]
    for name, start, end in SHIFTS:
        shift = await call(
            http,
            "POST",
            f"{base}/api/v1/libraries/{lib.library_id}/shifts",
            lib.token,
            json={"name": name, "start_time": start, "end_time": end},
        )
        lib.shifts.append(shift["id"])
    full = await call(
        http,
        "POST",
        f"{base}/api/v1/libraries/{lib.library_id}/shifts",
        lib.token,
        json={"name": "Full day", "is_full_day": True},
    )
    lib.full_day_shift = full["id"]
    for key, unit in (("monthly_plan", "month"), ("daily_plan", "day")):
        plan = await call(
            http,
            "POST",
            f"{base}/api/fee-plans",
            lib.token,
            json={
                "library_id": lib.library_id,
                "name": f"Bench {unit}",
                "duration_unit": unit,
                "duration_value": 1,
                "shift_ids": lib.shifts,
                "price_paise": 150_000 if unit == "month" else 8_000,
                "gst_rate_percent": 18,
                "price_includes_tax": True,
            },
        )
        setattr(lib, key, plan["id"])
    for i in range(STUDENTS):
        student = await call(
            http,
            "POST",
            f"{base}/api/v1/students",
            lib.token,
            json={
                "name": f"Bench Student {i}",
                "phone": f"9{8 - i % 3}{i:08d}",
                "home_library_id": lib.library_id,
            },
        )
        lib.students.append(student["id"])
    return lib


BOOKING_COLUMNS = [
    "id", "tenant_id", "student_id", "library_id", "seat_id", "seat_label", "seat_type",
    "seat_assignment", "shift_id", "fee_plan_id", "window_start", "window_end", "start_date",
    "end_date", "timezone", "status", "hold_expires_at", "confirmed_at", "activated_at",
    "completed_at", "price_paise", "registration_fee_paise", "security_deposit_paise",
    "gst_rate_bps", "price_includes_tax", "taxable_paise", "gst_paise", "total_paise",
    "max_pause_days", "max_pauses_per_year", "keep_seat_on_pause", "paused_days",
    "releases_seat_on_pause", "created_at", "updated_at",
]  # fmt: skip


def month_start(today: date, back: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def booking_records(lib: Library, count: int, today: date) -> list[tuple[Any, ...]]:
    """Monthly bookings of every seat and timed shift, month after month back from this one."""
    rnd = random.Random(7)
    windows = [(int(s[:2]) * 60 + int(s[3:]), int(e[:2]) * 60 + int(e[3:])) for _, s, e in SHIFTS]
    now = datetime.now(UTC)
    tenant, library, plan = (
        uuid.UUID(x) for x in (lib.tenant_id, lib.library_id, lib.monthly_plan)
    )
    rows: list[tuple[Any, ...]] = []
    back = 0
    while len(rows) < count:
        first = month_start(today, back)
        last = month_start(today, back - 1) - timedelta(days=1)
        for s, seat in enumerate(lib.seats):
            for k, shift in enumerate(lib.shifts):
                if len(rows) >= count:
                    break
                status = "active" if back == 0 else rnd.choice(["completed"] * 9 + ["cancelled"])
                at = datetime.combine(first, datetime.min.time(), UTC)
                rows.append(
                    (
                        uuid.uuid4(), tenant, uuid.uuid4(), library, uuid.UUID(seat),
                        f"S{s + 1:03d}", "standard", "reserved", uuid.UUID(shift), plan,
                        windows[k][0], windows[k][1], first, last, "Asia/Kolkata", status,
                        None, at, at, None if back == 0 else at + timedelta(days=31),
                        150_000, 0, 0, 1800, True, 127_119, 22_881, 150_000,
                        0, 0, False, 0, False, now, now,
                    )
                )  # fmt: skip
        back += 1
    return rows


async def bulk_load(tenant_db: str, lib: Library, count: int, today: date) -> float:
    started = time.monotonic()
    conn = await asyncpg.connect(pg_url(tenant_db))
    try:
        await conn.copy_records_to_table(
            "bookings", records=booking_records(lib, count, today), columns=BOOKING_COLUMNS
        )
        await conn.execute("VACUUM ANALYZE bookings")
    finally:
        await conn.close()
    return time.monotonic() - started


_WRK_LATENCY = re.compile(r"^\s+(50|90|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, token: str, connections: int, duration: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
         "-H", f"Authorization: Bearer {token}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    figures = {f"p{p}": _ms(v, u) for p, v, u in _WRK_LATENCY.findall(out)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["rps"] = float(rps.group(1)) if rps else 0.0
    figures["errors"] = float(non2xx.group(1)) if non2xx else 0.0
    return figures


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def run_python(
    url: str | list[str], token: str, connections: int, duration: int
) -> dict[str, float]:
    """Like wrk; given several URLs, the requests take them in turn."""
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + duration
    urls = itertools.cycle([url] if isinstance(url, str) else url)

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            async with http.get(next(urls), headers={"Authorization": f"Bearer {token}"}) as resp:
                await resp.read()
                errors += resp.status != 200
            latencies.append((time.perf_counter() - t0) * 1000)

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*[worker(http) for _ in range(connections)])
    return {
        "p50": percentile(latencies, 0.5),
        "p90": percentile(latencies, 0.9),
        "p99": percentile(latencies, 0.99),
        "rps": len(latencies) / duration,
        "errors": float(errors),
    }


async def create_through_gateway(
    base: str, lib: Library, n: int, connections: int, first_day: date
) -> tuple[float, list[float], int]:
    """`n` holds, each a free (seat, day), from `connections` clients; (rate, latencies, failures)."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    latencies: list[float] = []
    failures = 0
    headers = {"Authorization": f"Bearer {lib.token}"}

    def body(i: int) -> dict[str, str]:
        # Per day, students and seats are all different: no conflict, no student overlap.
        return {
            "student_id": lib.students[i % STUDENTS],
            "library_id": lib.library_id,
            "seat_id": lib.seats[i % len(lib.seats)],
            "shift_id": lib.shifts[0],
            "fee_plan_id": lib.daily_plan,
            "start_date": (first_day + timedelta(days=i // STUDENTS)).isoformat(),
        }

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal failures
        while not queue.empty():
            i = queue.get_nowait()
            t0 = time.perf_counter()
            async with http.post(f"{base}/api/v1/bookings", json=body(i), headers=headers) as r:
                await r.read()
                failures += r.status != 201
            latencies.append((time.perf_counter() - t0) * 1000)

    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(client(http) for _ in range(connections)))
    return n / (time.perf_counter() - started), latencies, failures


BARE_CONFLICTS = (
    "SELECT id, seat_id, student_id, window_start, window_end, start_date, end_date "
    "FROM bookings WHERE tenant_id = $1 AND library_id = $2 AND end_date >= $3 "
    "AND start_date <= $4 AND (status IN ('confirmed', 'active') "
    "OR (status = 'pending_payment' AND hold_expires_at > $5))"
)


async def on_pool(
    database: str,
    n: int,
    connections: int,
    one: Callable[[asyncpg.Connection, int], Awaitable[None]],
) -> tuple[float, list[float]]:
    """`one(conn, i)` for i in 0..n-1 on `connections` connections at once: the rate per
    second and each call's milliseconds."""
    pool = await asyncpg.create_pool(pg_url(database), min_size=connections, max_size=connections)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    latencies: list[float] = []

    async def client() -> None:
        async with pool.acquire() as conn:
            while not queue.empty():
                i = queue.get_nowait()
                t0 = time.perf_counter()
                await one(conn, i)
                latencies.append((time.perf_counter() - t0) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return n / elapsed, latencies


async def create_bare_sql(
    tenant_db: str, lib: Library, n: int, connections: int, first_day: date
) -> tuple[float, list[float]]:
    """What one creation does in the database, without HTTP, validation or other services."""
    tenant, library = uuid.UUID(lib.tenant_id), uuid.UUID(lib.library_id)

    async def one(conn: asyncpg.Connection, i: int) -> None:
        day = first_day + timedelta(days=i // STUDENTS)
        now = datetime.now(UTC)
        booking_id = uuid.uuid4()
        async with conn.transaction():
            await conn.execute(
                "SELECT set_config('app.tenant_id', $1, true), set_config('role', $2, true)",
                str(tenant),
                "studyspot_rls",
            )
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1)", lock_key("booking", tenant, library)
            )
            await conn.fetch(
                BARE_CONFLICTS,
                tenant,
                library,
                day - timedelta(days=1),
                day + timedelta(days=1),
                now,
            )
            await conn.execute(
                "INSERT INTO bookings (id, tenant_id, student_id, library_id, seat_id, seat_label, "
                "seat_type, seat_assignment, shift_id, fee_plan_id, window_start, window_end, "
                "start_date, end_date, timezone, status, hold_expires_at, price_paise, "
                "registration_fee_paise, security_deposit_paise, gst_rate_bps, price_includes_tax, "
                "taxable_paise, gst_paise, total_paise, max_pause_days, max_pauses_per_year, "
                "keep_seat_on_pause, paused_days, releases_seat_on_pause, created_at, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, 'S001', 'standard', 'reserved', $6, $7, 360, 720, $8, $8, "
                "'Asia/Kolkata', 'pending_payment', $9, 8000, 0, 0, 1800, true, 6780, 1220, 8000, "
                "0, 0, false, 0, false, $10, $10)",
                booking_id, tenant, uuid.UUID(lib.students[i % STUDENTS]), library,
                uuid.UUID(lib.seats[i % len(lib.seats)]), uuid.UUID(lib.shifts[0]),
                uuid.UUID(lib.daily_plan), day, now + timedelta(minutes=15), now,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO audit_logs (id, tenant_id, action, resource_type, resource_id, "
                "outcome, details, created_at) VALUES ($1, $2, 'booking.created', 'booking', $3, "
                "'success', '{}', $4)",
                uuid.uuid4(), tenant, str(booking_id), now,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO outbox_events (id, tenant_id, topic, payload, created_at, attempts) "
                "VALUES ($1, $2, 'booking.created', $3, $4, 0)",
                uuid.uuid4(), tenant, json.dumps({"booking_id": str(booking_id)}), now,
            )  # fmt: skip

    return await on_pool(tenant_db, n, connections, one)


async def create_against_anchor(
    env: dict[str, str],
    logs: Path,
    tenant_db: str,
    gateway: str,
    lib: Library,
    args: argparse.Namespace,
    first: date,
    procs: list[ManagedProcess],
) -> None:
    """Issue 16's anchor: the same create in a lean FastAPI + asyncpg app (two lookups over
    pooled HTTP, lock, conflict query, three inserts; bench/lean_anchor.py) beside ours,
    with the CPU each of our processes spent per create."""
    conn = await asyncpg.connect(pg_url(tenant_db))
    try:
        await conn.execute(lean_anchor.anchor_policies())
    finally:
        await conn.close()
    port = GATEWAY_PORT + 50  # clear of the services' ports (from 14000)
    anchor = lean_anchor.start(env, logs, port)
    pids = {p.spec.name: p.pid for p in procs if p.pid is not None}
    try:
        anchor_url = f"http://127.0.0.1:{port}"
        await lean_anchor.wait_up(f"{anchor_url}/api/users/me", lib.token)
        print("\n| booking creation | connections | holds/s | p50 ms | p99 ms | failed |")
        print("|---|---:|---:|---:|---:|---:|")
        cpu_lines = []
        for connections in [int(c) for c in args.create_connections.split(",")]:
            rates = {}
            for name, url in (
                ("lean anchor (two HTTP hops)", anchor_url),
                ("gateway", gateway),
            ):
                before = {n: cpu_seconds(pid) for n, pid in pids.items()}
                anchor_before = cpu_seconds(anchor.pid)
                rate, lat, failed = await create_through_gateway(
                    url, lib, args.creations, connections, first
                )
                if name == "gateway":
                    spent = {
                        n: (cpu_seconds(pid) - before[n]) * 1000 / args.creations
                        for n, pid in pids.items()
                    }
                    busy = ", ".join(
                        f"{n} {ms:.1f}"
                        for n, ms in sorted(spent.items(), key=lambda kv: -kv[1])
                        if ms >= 0.05
                    )
                    cpu_lines.append(
                        f"CPU ms per create at {connections}: {sum(spent.values()):.1f} in all; "
                        f"{busy}"
                    )
                else:
                    anchor_ms = (cpu_seconds(anchor.pid) - anchor_before) * 1000 / args.creations
                    cpu_lines.append(
                        f"CPU ms per create at {connections}, lean anchor process: {anchor_ms:.1f}"
                    )
                # The anchor's bookings last 30 days: the next run starts after them.
                first += timedelta(days=args.creations // STUDENTS + 32)
                rates[name] = rate
                print(
                    f"| through the {name} | {connections} | {rate:.0f} | "
                    f"{percentile(lat, 0.5):.1f} | {percentile(lat, 0.99):.1f} | {failed} |",
                    flush=True,
                )
            print(
                f"| gateway / anchor at {connections} | | "
                f"{rates['gateway'] / rates['lean anchor (two HTTP hops)']:.0%} | | | |"
            )
        print()
        for line in cpu_lines:
            print(line)
    finally:
        anchor.terminate()
        anchor.wait(10)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=500)
    parser.add_argument("--bookings", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", default="1,8")
    parser.add_argument("--creations", type=int, default=400)
    parser.add_argument("--create-connections", default="1,8")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--create-only",
        action="store_true",
        help="measure booking creation only (against the lean anchor, CPU per process)",
    )
    args = parser.parse_args()

    core_db, tenant_db, logs, env = await fresh_databases(
        "bench", {"BOOKING_SWEEP_SECONDS": "0", "BOOKING_MAX_ADVANCE_DAYS": "730"}
    )
    procs = await start_system(env, logs)
    gateway = f"http://127.0.0.1:{GATEWAY_PORT}"
    today = datetime.now(INDIA).date()
    try:
        async with aiohttp.ClientSession() as http:
            lib = await set_up(http, gateway, core_db, args.seats)
            print(f"library with {len(lib.seats)} seats and {STUDENTS} students made")
            seconds = await bulk_load(tenant_db, lib, args.bookings, today)
            print(f"loaded {args.bookings} bookings in {seconds:.1f} s")
            base = f"{gateway}/api/v1/bookings/availability?library_id={lib.library_id}"
            period = f"&start_date={today.isoformat()}&end_date={(today + timedelta(days=29)).isoformat()}"
            scenarios = {
                "availability, 30 days, morning shift": f"{base}{period}&shift_id={lib.shifts[0]}",
                "availability, 30 days, night shift": f"{base}{period}&shift_id={lib.shifts[3]}",
                "availability, 30 days, full day": f"{base}{period}",
            }
            for url in scenarios.values():
                answer = await call(http, "GET", url, lib.token)
                assert len(answer["seats"]) == len(lib.seats)
            # 360 different maps (4 shifts x 90 periods from today), more than the booking
            # process keeps, each over this month's full library: none answered from a kept one.
            fresh = [
                f"{base}&start_date={today.isoformat()}"
                f"&end_date={(today + timedelta(days=k)).isoformat()}&shift_id={shift}"
                for k in range(90)
                for shift in lib.shifts
            ]
        if args.create_only:
            await create_against_anchor(env, logs, tenant_db, gateway, lib, args, today, procs)
            return
        use_wrk = shutil.which("wrk") is not None
        print(
            f"\n{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, PostgreSQL, tool "
            f"{'wrk' if use_wrk else 'aiohttp loop'}, {args.duration} s per row, "
            f"{len(lib.seats)} seats, {args.bookings} bookings\n"
        )
        print("| scenario | connections | p50 ms | p90 ms | p99 ms | req/s | non-2xx |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for connections in [int(c) for c in args.connections.split(",")]:
            for label, url in scenarios.items():
                if use_wrk:
                    f = run_wrk(url, lib.token, connections, args.duration)
                else:
                    f = await run_python(url, lib.token, connections, args.duration)
                print(
                    f"| {label} | {connections} | {f['p50']:.1f} | {f['p90']:.1f} | "
                    f"{f['p99']:.1f} | {f['rps']:.0f} | {f['errors']:.0f} |",
                    flush=True,
                )
            # The map made afresh on every request: 360 maps in turn, more than the booking
            # process keeps (service/map_cache.py), so none is answered from a kept one.
            f = await run_python(fresh, lib.token, connections, args.duration)
            print(
                f"| availability, 1-90 days from today, 4 shifts, made afresh each time | {connections} | "
                f"{f['p50']:.1f} | {f['p90']:.1f} | {f['p99']:.1f} | {f['rps']:.0f} | "
                f"{f['errors']:.0f} |",
                flush=True,
            )
        print("\n| booking creation | connections | holds/s | p50 ms | p99 ms | failed |")
        print("|---|---:|---:|---:|---:|---:|")
        ratios = []
        first = today + timedelta(days=100)
        for connections in [int(c) for c in args.create_connections.split(",")]:
            api_rate, api_lat, failed = await create_through_gateway(
                gateway, lib, args.creations, connections, first
            )
            first += timedelta(days=args.creations // STUDENTS + 2)
            sql_rate, sql_lat = await create_bare_sql(
                tenant_db, lib, args.creations, connections, first
            )
            first += timedelta(days=args.creations // STUDENTS + 2)
            print(
                f"| through the gateway | {connections} | {api_rate:.0f} | "
                f"{percentile(api_lat, 0.5):.1f} | {percentile(api_lat, 0.99):.1f} | {failed} |"
            )
            print(
                f"| bare SQL transaction (ceiling) | {connections} | {sql_rate:.0f} | "
                f"{percentile(sql_lat, 0.5):.1f} | {percentile(sql_lat, 0.99):.1f} | 0 |",
                flush=True,
            )
            ratios.append((connections, api_rate / sql_rate))
        for connections, ratio in ratios:
            print(f"\nratio at {connections} connection(s): {ratio:.1%} of the bare SQL rate")
        await create_against_anchor(env, logs, tenant_db, gateway, lib, args, first, procs)
    finally:
        for proc in reversed(procs):
            await proc.stop(grace=5)
        if not args.keep:
            await drop_databases([core_db, tenant_db])


if __name__ == "__main__":
    asyncio.run(main())
