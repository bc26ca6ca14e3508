"""Benchmark: the 06:00 rush. 200 students of one library check in at the door through the
gateway, 8 clients at once; p50/p99 and check-ins per second, beside the bare database work
of the same check-ins measured in the same run, on PostgreSQL.

    .venv/bin/python bench/attendance_rush.py [--students 200] [--connections 8] [--keep]

What it does, end to end (STUDYSPOT_BENCH_PG, default
postgresql://postgres@127.0.0.1:5432/postgres; helpers shared with bench/bookings.py):

1. creates fresh core and tenant databases and migrates them;
2. starts auth, tenant, library, student, booking, attendance and the gateway as separate
   processes (`studyspot serve <name>`), ports from 14000;
3. through the gateway: an owner, a library with one seat per student, a full-day monthly
   plan (open for check-in all day: the real clock never decides), the students, and a
   paid booking from today for each. The trial's limits are lifted in the core database
   and the students' passwords are set there (one bcrypt hash, BCRYPT_ROUNDS=4) after
   each is invited (which makes its login) instead of opening 200 invitation links; then
   each student logs in through the gateway. None of
   this is timed;
4. the rush: the door's current code (the owner fetches a fresh one every 20 s, as the
   tablet does), and `--connections` clients each taking the next student off one queue
   and POSTing `/api/attendance/check-in` with that student's token. Every answer must be
   201; the register must then list every student present or late;
5. the bare database work of one check-in, with asyncpg at the same concurrency on the
   same databases, for as many synthetic students: the settings read, the booking
   service's query of the student's bookings, then one transaction with the code-step
   insert, the no-show lookup, the record insert and read back, and the outbox row. No
   HTTP, no JSON, no token checks, no other process: the ceiling. The ratio is printed;
6. prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg  # type: ignore[import-untyped]

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

from bookings import (  # type: ignore[import-not-found]  # noqa: E402
    INDIA,
    PASSWORD,
    SERVICES,
    call,
    drop_databases,
    fresh_databases,
    library_with_seats,
    on_pool,
    percentile,
    pg_url,
    start_system,
)
from students import cpu_seconds  # type: ignore[import-not-found]  # noqa: E402

from studyspot.kit.passwords import hash_password  # noqa: E402

RUSH_SERVICES = {**SERVICES, "attendance": 14008}
GATEWAY = "http://127.0.0.1:14000"
CODE_REFRESH_SECONDS = 20


class Rush:
    def __init__(self) -> None:
        self.owner = ""
        self.tenant_id = ""
        self.library_id = ""
        self.plan_id = ""
        self.seats: list[str] = []
        self.students: list[dict[str, str]] = []
        self.tokens: dict[str, str] = {}


async def set_up(http: aiohttp.ClientSession, core_db: str, count: int) -> Rush:
    rush = Rush()
    owner, rush.library_id, rush.seats = await library_with_seats(http, GATEWAY, core_db, count)
    rush.owner, rush.tenant_id = owner["access_token"], owner["user"]["tenant_id"]
    plan = await call(
        http,
        "POST",
        f"{GATEWAY}/api/fee-plans",
        rush.owner,
        json={
            "library_id": rush.library_id,
            "name": "Full day monthly",
            "duration_unit": "month",
            "duration_value": 1,
            "full_day": True,
            "price_paise": 150_000,
            "gst_rate_percent": 18,
            "price_includes_tax": True,
        },
    )
    rush.plan_id = plan["id"]
    today = datetime.now(INDIA).date().isoformat()
    for i in range(count):
        email = f"rush-student-{i}-{uuid.uuid4().hex[:6]}@example.com"
        student = await call(
            http,
            "POST",
            f"{GATEWAY}/api/v1/students",
            rush.owner,
            json={
                "name": f"Rush Student {i}",
                "phone": f"9{8 - i % 3}{i:08d}",
                "email": email,
                "home_library_id": rush.library_id,
            },
        )
        held = await call(
            http,
            "POST",
            f"{GATEWAY}/api/v1/bookings",
            rush.owner,
            json={
                "library_id": rush.library_id,
                "fee_plan_id": rush.plan_id,
                "seat_id": rush.seats[i],
                "student_id": student["id"],
                "start_date": today,
            },
        )
        await call(http, "POST", f"{GATEWAY}/api/v1/bookings/{held['id']}/confirm", rush.owner)
        # The invitation makes the student's login (its link is never opened here).
        async with http.post(
            f"{GATEWAY}/api/v1/students/{student['id']}/invite",
            headers={"Authorization": f"Bearer {rush.owner}"},
        ) as invited:
            if invited.status != 202:
                raise SystemExit(f"invite → {invited.status}: {(await invited.text())[:300]}")
        rush.students.append({"id": student["id"], "email": email})
    # The students' passwords, as accepting an invitation would set them.
    conn = await asyncpg.connect(pg_url(core_db))
    try:
        await conn.execute(
            "UPDATE user_credentials SET password_hash = $1 "
            "WHERE tenant_id = $2 AND user_table = 'students'",
            hash_password(PASSWORD, rounds=4),
            uuid.UUID(rush.tenant_id),
        )
    finally:
        await conn.close()
    slug = owner["tenant"]["slug"]

    async def log_in(student: dict[str, str]) -> None:
        answer = await call(
            http,
            "POST",
            f"{GATEWAY}/api/auth/login",
            json={
                "email": student["email"],
                "password": PASSWORD,
                "user_type": "student",
                "tenant_slug": slug,
            },
        )
        rush.tokens[student["id"]] = answer["access_token"]

    for start in range(0, count, 8):
        await asyncio.gather(*(log_in(s) for s in rush.students[start : start + 8]))
    return rush


async def rush_through_gateway(
    rush: Rush, students: list[dict[str, str]], connections: int, *, check_register: bool = True
) -> tuple[float, list[float], int]:
    """Each of `students` checks in once; `connections` clients; the door code kept fresh."""
    url = f"{GATEWAY}/api/attendance/check-in"
    code_url = f"{GATEWAY}/api/attendance/libraries/{rush.library_id}/display-code"
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for student in students:
        queue.put_nowait(student)
    latencies: list[float] = []
    failed = 0
    connector = aiohttp.TCPConnector(limit=connections + 1)
    async with aiohttp.ClientSession(connector=connector) as http:
        door = {"code": (await call(http, "GET", code_url, rush.owner))["code"]}

        async def refresh() -> None:
            while True:
                await asyncio.sleep(CODE_REFRESH_SECONDS)
                door["code"] = (await call(http, "GET", code_url, rush.owner))["code"]

        async def client() -> None:
            nonlocal failed
            while not queue.empty():
                student = queue.get_nowait()
                headers = {"Authorization": f"Bearer {rush.tokens[student['id']]}"}
                t0 = time.perf_counter()
                async with http.post(url, json={"code": door["code"]}, headers=headers) as resp:
                    body = await resp.read()
                latencies.append((time.perf_counter() - t0) * 1000)
                if resp.status != 201:
                    failed += 1
                    print(f"check-in {resp.status}: {body[:200]!r}", file=sys.stderr)

        refresher = asyncio.create_task(refresh())
        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(connections)))
        elapsed = time.perf_counter() - started
        refresher.cancel()
        if not check_register:
            return len(latencies) / elapsed, latencies, failed
        register = await call(
            http, "GET", f"{GATEWAY}/api/attendance/libraries/{rush.library_id}/register",
            rush.owner,
        )  # fmt: skip
    present = sum(e["status"] in ("present", "late") for e in register["items"])
    if present != len(rush.students):
        raise SystemExit(f"register lists {present} present of {len(rush.students)}")
    return len(latencies) / elapsed, latencies, failed


BOOKINGS_OF_STUDENT = (
    "SELECT * FROM bookings WHERE tenant_id = $1 AND library_id = $2 AND student_id = $3 "
    "AND status IN ('confirmed', 'active') AND start_date <= $4 AND end_date >= $5"
)


async def rush_bare_sql(
    tenant_db: str, rush: Rush, count: int, connections: int
) -> tuple[float, list[float]]:
    """What one check-in does in the database, for `count` synthetic students."""
    tenant, library = uuid.UUID(rush.tenant_id), uuid.UUID(rush.library_id)
    today = datetime.now(INDIA).date()

    async def rls(conn: asyncpg.Connection) -> None:
        await conn.execute(
            "SELECT set_config('app.tenant_id', $1, true), set_config('role', $2, true)",
            str(tenant),
            "studyspot_rls",
        )

    async def one(conn: asyncpg.Connection, i: int) -> None:
        now = datetime.now(UTC)
        real = uuid.UUID(rush.students[i % len(rush.students)]["id"])
        student, booking = uuid.uuid4(), uuid.uuid4()
        async with conn.transaction(readonly=True):
            await rls(conn)
            await conn.fetch(
                "SELECT * FROM attendance_library_settings WHERE tenant_id = $1 "
                "AND library_id = $2",
                tenant,
                library,
            )
        # The booking service's part (its own process and transaction in the real thing).
        async with conn.transaction(readonly=True):
            await rls(conn)
            await conn.fetch(
                BOOKINGS_OF_STUDENT, tenant, library, real,
                today + timedelta(days=1), today - timedelta(days=1),
            )  # fmt: skip
        async with conn.transaction():
            await rls(conn)
            await conn.execute(
                "INSERT INTO attendance_code_uses (tenant_id, student_id, purpose, step, used_at) "
                "VALUES ($1, $2, 'in', $3, $4) ON CONFLICT DO NOTHING",
                tenant, student, int(now.timestamp()) // 30, now,
            )  # fmt: skip
            await conn.fetch(
                "SELECT 1 FROM attendance_no_shows WHERE tenant_id = $1 AND booking_id = $2 "
                "AND day = $3",
                tenant, booking, today,
            )  # fmt: skip
            record = uuid.uuid4()
            await conn.execute(
                "INSERT INTO attendance_records (id, tenant_id, library_id, student_id, "
                "booking_id, shift_id, seat_id, seat_label, day, shift_starts_at, shift_ends_at, "
                "checked_in_at, visit_started_at, check_in_method, late, minutes_before, "
                "open_until, corrected, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
                "NULL, NULL, 'S001', $6, $7, $8, $9, $9, 'door', false, 0, $8, false, $9, $9) "
                "ON CONFLICT DO NOTHING",
                record, tenant, library, student, booking, today,
                now - timedelta(hours=1), now + timedelta(hours=12), now,
            )  # fmt: skip
            row = await conn.fetchrow(
                "SELECT * FROM attendance_records WHERE tenant_id = $1 AND booking_id = $2 "
                "AND day = $3",
                tenant, booking, today,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO outbox_events (id, tenant_id, topic, payload, created_at, attempts) "
                "VALUES ($1, $2, 'attendance.checked_in', $3, $4, 0)",
                uuid.uuid4(), tenant, json.dumps({k: str(v) for k, v in dict(row).items()}), now,
            )  # fmt: skip

    return await on_pool(tenant_db, count, connections, one)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} / {five:.2f}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--warmup",
        type=int,
        default=16,
        help="students of the same library who check in first, not timed: at 06:00 the "
        "processes have been serving (pools open, statements compiled)",
    )
    args = parser.parse_args()

    # The sweepers stay off: the bench measures check-ins.
    core_db, tenant_db, logs, env = await fresh_databases(
        "rush",
        {
            "BOOKING_SWEEP_SECONDS": "0",
            "ATTENDANCE_SWEEP_SECONDS": "0",
            "ATTENDANCE_PUBLIC_URL": GATEWAY,
        },
    )
    procs = await start_system(env, logs, RUSH_SERVICES)
    try:
        async with aiohttp.ClientSession() as http:
            started = time.perf_counter()
            rush = await set_up(http, core_db, args.students + args.warmup)
            print(
                f"{args.students} students (and {args.warmup} to warm up) booked and logged in "
                f"({time.perf_counter() - started:.0f} s, not timed)"
            )
        early, timed = rush.students[: args.warmup], rush.students[args.warmup :]
        if early:
            *_, warm_failed = await rush_through_gateway(
                rush, early, args.connections, check_register=False
            )
            if warm_failed:
                raise SystemExit(f"{warm_failed} warm-up check-ins failed")
        load_before = load()
        pids = {p.spec.name: p.pid for p in procs if p.pid is not None}
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        api_rate, api_lat, failed = await rush_through_gateway(rush, timed, args.connections)
        # CPU each process spent per check-in (the register read and code refreshes included).
        cpu_ms = {
            name: (cpu_seconds(pid) - cpu_before[name]) * 1000 / len(api_lat)
            for name, pid in pids.items()
        }
        api_seconds = len(api_lat) / api_rate
        sql_rate, sql_lat = await rush_bare_sql(tenant_db, rush, args.students, args.connections)
        print(
            f"\n{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, PostgreSQL, load (1 / 5 min) before the rush "
            f"{load_before}, after {load()}\n"
        )
        print(
            "| the 06:00 rush | clients | check-ins | took s | check-ins/s | p50 ms | "
            "p99 ms | failed |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print(
            f"| through the gateway | {args.connections} | {len(api_lat)} | {api_seconds:.1f} | "
            f"{api_rate:.0f} | {percentile(api_lat, 0.5):.1f} | "
            f"{percentile(api_lat, 0.99):.1f} | {failed} |"
        )
        busy = [f"{name} {ms:.1f}" for name, ms in sorted(cpu_ms.items(), key=lambda kv: -kv[1])]
        print(f"\nCPU ms per check-in: {sum(cpu_ms.values()):.1f} in all; " + ", ".join(busy))
        print(
            f"| bare SQL (the ceiling) | {args.connections} | {len(sql_lat)} | "
            f"{len(sql_lat) / sql_rate:.1f} | {sql_rate:.0f} | {percentile(sql_lat, 0.5):.1f} | "
            f"{percentile(sql_lat, 0.99):.1f} | 0 |"
        )
        print(f"\nthrough the gateway / bare SQL: {api_rate / sql_rate:.0%} of the throughput")
        if failed:
            raise SystemExit(f"{failed} check-ins failed")
    finally:
        for proc in reversed(procs):
            await proc.stop(grace=5)
        if not args.keep:
            await drop_databases([core_db, tenant_db])


if __name__ == "__main__":
    asyncio.run(main())
