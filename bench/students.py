"""Benchmark: search and list at 100,000 students per tenant, through the gateway.

    .venv/bin/python bench/students.py [--tenants 11] [--students 100000]
        [--duration 15] [--connections 1,8] [--keep]

What it does, end to end, on PostgreSQL (STUDYSPOT_BENCH_PG, default
postgresql://postgres@127.0.0.1:5432/postgres):

1. creates fresh core and tenant databases and migrates them;
2. starts auth, tenant, library, student and the gateway as separate processes
   (`studyspot serve <name>`, the way `studyspot up` does), on free ports;
3. through the gateway: signs up `--tenants` owners, each with one library;
4. bulk-loads `--students` students per tenant with COPY (not through the API:
   1.1 million admissions over HTTP would measure the loader, not the reads);
5. measures, with wrk (C load generator, if installed) or a built-in aiohttp
   loop, each read scenario for `--duration` seconds per connection count, as
   the owner of the first tenant, through the gateway, with the CPU time the
   student service and the gateway spent per request (from /proc);
6. measures the same reads in-process (service function + PostgreSQL under
   row-level security, no HTTP), `--rounds` times each;
7. prints Markdown tables for docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from studyspot.kit import migrate  # noqa: E402
from studyspot.services.student.id_proofs import verhoeff_check_digit  # noqa: E402
from studyspot.services.student.search_terms import terms_for  # noqa: E402

PG_ADMIN = os.environ.get("STUDYSPOT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SERVICE_NAMES = ("auth", "tenant", "student", "library")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Free ports picked at start: other runs of the system may hold the plan ports.
SERVICES = {name: free_port() for name in SERVICE_NAMES}
GATEWAY_PORT = free_port()
PASSWORD = "bench-password-1"

FIRST = [
    "Aarav",
    "Vivaan",
    "Aditya",
    "Vihaan",
    "Arjun",
    "Sai",
    "Reyansh",
    "Ayaan",
    "Krishna",
    "Ishaan",
    "Shaurya",
    "Atharv",
    "Advik",
    "Pranav",
    "Advaith",
    "Aaryan",
    "Dhruv",
    "Kabir",
    "Ritvik",
    "Aarush",
    "Kayaan",
    "Darsh",
    "Veer",
    "Rohan",
    "Ananya",
    "Diya",
    "Aadhya",
    "Saanvi",
    "Pari",
    "Anika",
    "Navya",
    "Angel",
    "Myra",
    "Sara",
    "Ira",
    "Aarohi",
    "Kiara",
    "Prisha",
    "Riya",
    "Anvi",
    "Meera",
    "Kavya",
    "Priya",
    "Neha",
    "Pooja",
    "Sneha",
    "Asha",
    "Lakshmi",
    "Deepa",
    "Sunita",
    "Rahul",
    "Amit",
    "Suresh",
    "Rajesh",
    "Vikram",
    "Manoj",
    "Nikhil",
]
LAST = [
    "Sharma",
    "Verma",
    "Gupta",
    "Singh",
    "Kumar",
    "Patel",
    "Shah",
    "Mehta",
    "Joshi",
    "Nair",
    "Iyer",
    "Reddy",
    "Rao",
    "Das",
    "Bose",
    "Chatterjee",
    "Banerjee",
    "Mukherjee",
    "Kulkarni",
    "Deshpande",
    "Patil",
    "Pawar",
    "Jadhav",
    "Shinde",
    "Naidu",
    "Pillai",
    "Menon",
    "Yadav",
    "Chauhan",
    "Rathore",
    "Thakur",
    "Mishra",
    "Pandey",
    "Tiwari",
    "Dubey",
    "Saxena",
    "Agarwal",
    "Bansal",
    "Goyal",
    "Jain",
    "Malhotra",
    "Kapoor",
    "Khanna",
    "Chopra",
    "Bhatia",
    "Sethi",
    "Arora",
    "Gill",
    "Sandhu",
    "Grewal",
]


@dataclass
class Tenant:
    tenant_id: uuid.UUID
    token: str
    library_id: uuid.UUID


def pg_url(database: str, driver: str = "postgresql") -> str:
    return (
        make_url(PG_ADMIN)
        .set(drivername=driver, database=database)
        .render_as_string(hide_password=False)
    )


async def recreate_databases(names: list[str]) -> None:
    conn = await asyncpg.connect(pg_url("postgres"))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_databases(names: list[str]) -> None:
    conn = await asyncpg.connect(pg_url("postgres"))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def start_services(env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    exe = str(ROOT / ".venv" / "bin" / "studyspot")
    for name, port in [*SERVICES.items(), ("gateway", GATEWAY_PORT)]:
        out = (logs / f"{name}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [exe, "serve", name, "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return procs


def stop_services(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


async def wait_healthy(session: aiohttp.ClientSession) -> None:
    deadline = time.monotonic() + 60
    ports = [*SERVICES.values(), GATEWAY_PORT]
    while time.monotonic() < deadline:
        try:
            for port in ports:
                async with session.get(f"http://127.0.0.1:{port}/health") as resp:
                    if resp.status != 200:
                        raise RuntimeError(port)
            return
        except (aiohttp.ClientError, RuntimeError):
            await asyncio.sleep(0.3)
    raise SystemExit("services did not become healthy; see the logs folder")


async def sign_up(session: aiohttp.ClientSession, base: str, n: int) -> Tenant:
    email = f"bench-owner-{n}-{uuid.uuid4().hex[:6]}@example.com"
    async with session.post(
        f"{base}/api/auth/register",
        json={
            "email": email,
            "password": PASSWORD,
            "name": f"Owner {n}",
            "business_name": f"Bench Library {n}",
        },
    ) as resp:
        body = await resp.json()
        assert resp.status == 201, body
    token = body["access_token"]
    async with session.post(
        f"{base}/api/v1/libraries",
        json={
            "name": f"Bench Branch {n}",
            "address": "1 Station Road",
            "city": "Pune",
            "state": "MH",
            "pincode": "411001",
        },
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        library = await resp.json()
        assert resp.status == 201, library
    return Tenant(uuid.UUID(body["user"]["tenant_id"]), token, uuid.UUID(library["id"]))


def student_records(tenant: Tenant, count: int, tenant_no: int) -> list[tuple[Any, ...]]:
    rnd = random.Random(tenant_no)
    now = datetime.now(UTC)
    start = date.today() - timedelta(days=3 * 365)
    statuses = ["active"] * 80 + ["inactive"] * 10 + ["alumni"] * 8 + ["suspended"] * 2
    rows = []
    for i in range(count):
        seq = i + 1
        body = f"{2 + (i % 8)}{tenant_no:02d}{i:08d}"[:11]
        aadhaar = body + verhoeff_check_digit(body) if i % 3 == 0 else None
        rows.append(
            (
                uuid.uuid4(),
                tenant.tenant_id,
                seq,
                f"STU-{seq:06d}",
                f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                # Distinct per tenant; different tenants reuse numbers like real people do.
                f"+91{6 + i % 4}{i:09d}",
                f"s{i}@example.com" if i % 2 else None,
                date(1995 + i % 12, 1 + i % 12, 1 + i % 28),
                rnd.choice(["male", "female"]),
                tenant.library_id,
                rnd.choice(statuses),
                start + timedelta(days=rnd.randrange(3 * 365)),
                "aadhaar" if aadhaar else None,
                aadhaar,
                bool(i % 2),
                now - timedelta(minutes=count - i),
                now,
            )
        )
    return rows


COLUMNS = [
    "id",
    "tenant_id",
    "enrollment_seq",
    "enrollment_number",
    "name",
    "phone",
    "email",
    "date_of_birth",
    "gender",
    "home_library_id",
    "status",
    "admission_date",
    "id_proof_type",
    "id_proof_number",
    "consent_data_processing",
    "created_at",
    "updated_at",
]


async def bulk_load(tenant_db: str, tenants: list[Tenant], count: int) -> float:
    started = time.monotonic()
    conn = await asyncpg.connect(pg_url(tenant_db))
    try:
        for n, tenant in enumerate(tenants):
            records = student_records(tenant, count, n)
            await conn.copy_records_to_table("students", records=records, columns=COLUMNS)
            # The search words and kept counts the service maintains on every write.
            await conn.copy_records_to_table(
                "student_search_terms",
                records=[
                    (tenant.tenant_id, term, r[0])
                    for r in records
                    for term in terms_for(r[4], r[5])
                ],
                columns=["tenant_id", "term", "student_id"],
            )
            await conn.execute(
                "INSERT INTO student_counters (tenant_id, last_value) VALUES ($1, $2)",
                tenant.tenant_id,
                count,
            )
            print(f"  tenant {n + 1}/{len(tenants)} loaded", flush=True)
        await conn.execute(
            "INSERT INTO student_counts (tenant_id, home_library_id, status, n) "
            "SELECT tenant_id, home_library_id, status, count(*) FROM students "
            "GROUP BY tenant_id, home_library_id, status"
        )
        for table in ("students", "student_search_terms", "student_counts"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()
    return time.monotonic() - started


SERVICE_LAYER: dict[str, tuple[dict[str, Any], str | None, int]] = {
    "list, newest first (page 1 of 2,000)": ({}, None, 1),
    "list, by name, page 20": ({}, "name", 20),
    "list, branch + status filter": (
        {"status": "active", "library": True},
        "-enrollment_number",
        1,
    ),
    "search name 'sharma'": ({"q": "sharma"}, None, 1),
    "search name 'priya ver'": ({"q": "priya ver"}, None, 1),
    "search full phone": ({"q": f"+91{6 + 4321 % 4}{4321:09d}"}, None, 1),
    "search last 4 digits '4321'": ({"q": "4321"}, None, 1),
    "search enrollment STU-054321": ({"q": "STU-054321"}, None, 1),
}


async def measure_service_layer(tenant_db: str, tenant: Tenant, rounds: int) -> None:
    """The same reads without HTTP: service function + database, under row-level security."""
    from studyspot.kit.auth import Principal
    from studyspot.kit.db import Database, unit_of_work
    from studyspot.kit.pagination import PageParams
    from studyspot.kit.settings import get_settings
    from studyspot.services.student import service
    from studyspot.services.student.access import Viewer
    from studyspot.services.student.repository import StudentFilter
    from studyspot.services.student.upstream import Upstream

    db = Database.create(pg_url(tenant_db, "postgresql+asyncpg"))
    # The measured reads use no filter that asks another service; the clients stay idle.
    upstream = Upstream.create(get_settings())
    owner = Principal(
        uuid.uuid4(),
        "library_owner",
        "library_owners",
        "bench@example.com",
        tenant.tenant_id,
        ("library_owner",),
        ("students:*",),
    )
    viewer = Viewer(owner, tenant.tenant_id, None)
    print("\n| scenario (service layer + PostgreSQL, no HTTP) | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|")
    try:
        for label, (spec, sort, page) in SERVICE_LAYER.items():
            flt = StudentFilter(
                q=spec.get("q"),
                status=spec.get("status"),
                library_id=tenant.library_id if spec.get("library") else None,
            )
            times = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                async with unit_of_work(db, tenant_id=tenant.tenant_id) as session:
                    await service.list_students(
                        session, viewer, flt, PageParams(page, 50), sort, upstream
                    )
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            print(f"| {label} | {times[len(times) // 2]:.1f} | {p99:.1f} | {times[-1]:.1f} |")
    finally:
        await upstream.close()
        await db.dispose()


def scenarios(tenant: Tenant) -> dict[str, str]:
    base = "/api/v1/students"
    lib = tenant.library_id
    return {
        "list, newest first (page 1 of 2,000)": base,
        "list, by name, page 20": f"{base}?sort=name&page=20&page_size=50",
        "list, branch + status filter": f"{base}?library_id={lib}&status=active&sort=-enrollment_number",
        "search name 'sharma'": f"{base}?q=sharma",
        "search name 'priya ver'": f"{base}?q=priya%20ver",
        "search full phone": f"{base}?q=%2B91{6 + 4321 % 4}{4321:09d}",
        "search last 4 digits '4321'": f"{base}?q=4321",
        "search enrollment STU-054321": f"{base}?q=STU-054321",
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_WRK_LATENCY = re.compile(r"^\s+(50|90|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, token: str, connections: int, duration: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = {f"p{p}": _ms(v, u) for p, v, u in _WRK_LATENCY.findall(out)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["rps"] = float(rps.group(1)) if rps else 0.0
    done = re.search(r"(\d+) requests in", out)
    figures["requests"] = float(done.group(1)) if done else 0.0
    figures["errors"] = float(non2xx.group(1)) if non2xx else 0.0
    return figures


async def run_python(url: str, token: str, connections: int, duration: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + duration
    headers = {"Authorization": f"Bearer {token}"}

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            async with session.get(url, headers=headers) as resp:
                await resp.read()
                errors += resp.status != 200
            latencies.append((time.perf_counter() - t0) * 1000)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*[worker(session) for _ in range(connections)])
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))]

    return {
        "p50": pct(0.5),
        "p90": pct(0.9),
        "p99": pct(0.99),
        "rps": len(latencies) / duration,
        "errors": float(errors),
        "requests": float(len(latencies)),
    }


async def check_answer(session: aiohttp.ClientSession, url: str, token: str) -> int:
    async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
        body = await resp.json()
        if resp.status != 200:
            raise SystemExit(f"{url} answered {resp.status}: {json.dumps(body)[:300]}")
        return int(body["total"])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=11)
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", default="1,8")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--rounds", type=int, default=200, help="service-layer repetitions")
    args = parser.parse_args()

    suffix = uuid.uuid4().hex[:6]
    core_db, tenant_db = f"ss_bench_core_{suffix}", f"ss_bench_tenant_{suffix}"
    await recreate_databases([core_db, tenant_db])
    migrate.upgrade("core", pg_url(core_db, "postgresql+asyncpg"))
    migrate.upgrade("tenant", pg_url(tenant_db, "postgresql+asyncpg"))
    logs = Path(tempfile.mkdtemp(prefix="studyspot-bench-"))
    print(f"service logs in {logs}")
    env = dict(os.environ)
    env.update(
        {
            "ENVIRONMENT": "test",
            "DATABASE_URL": pg_url(tenant_db),
            "CORE_DATABASE_URL": pg_url(core_db),
            "DATA_DIR": str(logs),
            "BCRYPT_ROUNDS": "4",
            "LOG_LEVEL": "WARNING",
            # The bench measures reads, not the rate limiter.
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
            "GATEWAY_AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
        }
    )
    for name, port in SERVICES.items():
        env[f"{name.upper()}_SERVICE_URL"] = f"http://127.0.0.1:{port}"
    procs = start_services(env, logs)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_healthy(session)
            gateway = f"http://127.0.0.1:{GATEWAY_PORT}"
            tenants = [await sign_up(session, gateway, n) for n in range(args.tenants)]
            print(f"{len(tenants)} owners signed up; loading {args.students} students each")
            seconds = await bulk_load(tenant_db, tenants, args.students)
            print(f"loaded {len(tenants) * args.students} students in {seconds:.0f} s")
            measured = tenants[0]
            plans = scenarios(measured)
            for path in plans.values():
                await check_answer(session, gateway + path, measured.token)
        use_wrk = shutil.which("wrk") is not None
        tool = "wrk" if use_wrk else "aiohttp loop"
        print(
            f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, tool {tool}, {args.duration} s per row"
        )
        print(f"load average before measuring: {os.getloadavg()[0]:.2f}\n")
        print(
            "| scenario | connections | p50 ms | p90 ms | p99 ms | req/s | non-2xx "
            "| student CPU ms/req | gateway CPU ms/req |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        student_pid = procs[list(SERVICES).index("student")].pid
        gateway_pid = procs[-1].pid
        for connections in [int(c) for c in args.connections.split(",")]:
            for label, path in plans.items():
                url = gateway + path
                cpu_before = cpu_seconds(student_pid), cpu_seconds(gateway_pid)
                if use_wrk:
                    f = run_wrk(url, measured.token, connections, args.duration)
                else:
                    f = await run_python(url, measured.token, connections, args.duration)
                n = max(f["requests"], 1.0)
                student_cpu = (cpu_seconds(student_pid) - cpu_before[0]) * 1000 / n
                gateway_cpu = (cpu_seconds(gateway_pid) - cpu_before[1]) * 1000 / n
                print(
                    f"| {label} | {connections} | {f['p50']:.1f} | {f['p90']:.1f} | "
                    f"{f['p99']:.1f} | {f['rps']:.0f} | {f['errors']:.0f} | "
                    f"{student_cpu:.2f} | {gateway_cpu:.2f} |",
                    flush=True,
                )
        await measure_service_layer(tenant_db, measured, args.rounds)
    finally:
        stop_services(procs)
        if not args.keep:
            await drop_databases([core_db, tenant_db])


if __name__ == "__main__":
    asyncio.run(main())
