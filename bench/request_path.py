"""Benchmark: the request path of our services against the lean anchor, side by side in one run.

    .venv/bin/python bench/request_path.py [--duration 10] [--rounds 2] [--connections 32]
        [--profile DIR]

On PostgreSQL (STUDYSPOT_BENCH_PG, default postgresql://postgres@127.0.0.1:5432/postgres):

1. creates fresh core and tenant databases and migrates them;
2. starts auth, tenant, library, student and the gateway (`studyspot serve`, as
   `studyspot up` does) and the lean anchor (bench/lean_anchor.py: FastAPI + asyncpg, the
   same SQL under the same row-level security, no ORM and no kit);
3. signs an owner up with one library and bulk-loads 2,000 students (COPY);
4. runs wrk with `--connections` connections, alternating anchor, gateway and direct, for
   `--rounds` rounds of `--duration` seconds, on:
   - `GET /api/v1/students?page=1&page_size=20` (20 rows and the total),
   - `GET /api/users/me`;
5. prints requests/s, p50, p99 and the CPU milliseconds each process spent per request
   (from /proc), and the ratio of gateway and direct throughput to the anchor's
   (issue 16's targets: students and users/me through the gateway >= 60 % of the anchor).

`--profile DIR` also records py-spy profiles (if py-spy is on PATH) of the student and
auth services and of the gateway, each during an extra run through the gateway, as
speedscope JSON in DIR.
Not a test: CI does not run it. Results belong in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg  # type: ignore[import-untyped]

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import lean_anchor  # noqa: E402
import students as sb  # noqa: E402

from studyspot.kit import migrate  # noqa: E402

ROOT = BENCH.parent
ANCHOR_PORT = sb.free_port()
STUDENTS = "/api/v1/students?page=1&page_size=20"
ME = "/api/users/me"


def measure(
    url: str, token: str, connections: int, seconds: int, pids: list[int]
) -> dict[str, float]:
    before = [sb.cpu_seconds(p) for p in pids]
    found = sb.run_wrk(url, token, connections, seconds)
    n = max(found["requests"], 1.0)
    for i, pid in enumerate(pids):
        found[f"cpu{i}"] = (sb.cpu_seconds(pid) - before[i]) * 1000 / n
    return found


def profile(pid: int, out: Path, url: str, token: str, connections: int, seconds: int) -> None:
    spy = shutil.which("py-spy")
    if spy is None:
        print("py-spy is not on PATH: no profile")
        return
    recorder = subprocess.Popen(
        [
            spy,
            "record",
            "-p",
            str(pid),
            "-d",
            str(seconds),
            "-r",
            "250",
            "-f",
            "speedscope",
            "-o",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sb.run_wrk(url, token, connections, seconds)
    recorder.wait(seconds + 30)
    print(f"profile: {out}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument(
        "--keep", action="store_true", help="keep the databases; print their env and a token"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required (apt-get install wrk)")

    suffix = uuid.uuid4().hex[:6]
    core_db, tenant_db = f"ss_rp_core_{suffix}", f"ss_rp_tenant_{suffix}"
    await sb.recreate_databases([core_db, tenant_db])
    migrate.upgrade("core", sb.pg_url(core_db, "postgresql+asyncpg"))
    migrate.upgrade("tenant", sb.pg_url(tenant_db, "postgresql+asyncpg"))
    logs = Path(tempfile.mkdtemp(prefix="studyspot-request-path-"))
    print(f"logs in {logs}")
    env = dict(os.environ)
    env.update(
        {
            "ENVIRONMENT": "test",
            "DATABASE_URL": sb.pg_url(tenant_db),
            "CORE_DATABASE_URL": sb.pg_url(core_db),
            "DATA_DIR": str(logs),
            "BCRYPT_ROUNDS": "4",
            # As in production: services log at INFO (to files here).
            "LOG_LEVEL": "INFO",
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
            "GATEWAY_AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
        }
    )
    for name, port in sb.SERVICES.items():
        env[f"{name.upper()}_SERVICE_URL"] = f"http://127.0.0.1:{port}"
    procs = sb.start_services(env, logs)
    anchor: subprocess.Popen[bytes] | None = None
    try:
        async with aiohttp.ClientSession() as session:
            await sb.wait_healthy(session)
            gateway = f"http://127.0.0.1:{sb.GATEWAY_PORT}"
            tenant = await sb.sign_up(session, gateway, 0)
        await sb.bulk_load(tenant_db, [tenant], args.students)
        conn = await asyncpg.connect(sb.pg_url(tenant_db))
        try:
            from lean_anchor import anchor_policies

            await conn.execute(anchor_policies())
        finally:
            await conn.close()
        anchor = lean_anchor.start(env, logs, ANCHOR_PORT)
        anchor_url = f"http://127.0.0.1:{ANCHOR_PORT}"
        direct = {
            STUDENTS: f"http://127.0.0.1:{sb.SERVICES['student']}",
            ME: f"http://127.0.0.1:{sb.SERVICES['auth']}",
        }
        service_pid = {
            STUDENTS: procs[list(sb.SERVICES).index("student")].pid,
            ME: procs[list(sb.SERVICES).index("auth")].pid,
        }
        gateway_pid = procs[-1].pid
        for path in (STUDENTS, ME):
            for base in (anchor_url, gateway, direct[path]):
                await lean_anchor.wait_up(base + path, tenant.token)

        print(
            f"\n{time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores, wrk -t1 "
            f"-c{args.connections}, {args.rounds} x {args.duration} s per target, alternating; "
            f"load average before: {os.getloadavg()[0]:.2f}\n"
        )
        print(
            "| request | target | req/s | p50 ms | p99 ms | service CPU ms/req "
            "| gateway CPU ms/req | ÷ anchor |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for path in (STUDENTS, ME):
            targets = {
                "anchor": (anchor_url, [anchor.pid, gateway_pid]),
                "gateway": (gateway, [service_pid[path], gateway_pid]),
                "direct": (direct[path], [service_pid[path], gateway_pid]),
            }
            for base, _ in targets.values():  # warm-up: pools, caches, lazy imports
                sb.run_wrk(base + path, tenant.token, args.connections, 2)
            runs: dict[str, list[dict[str, float]]] = {t: [] for t in targets}
            for _ in range(args.rounds):
                for name, (base, pids) in targets.items():
                    runs[name].append(
                        measure(base + path, tenant.token, args.connections, args.duration, pids)
                    )
            anchor_rps = statistics.mean(r["rps"] for r in runs["anchor"])
            for name, found in runs.items():
                rps = statistics.mean(r["rps"] for r in found)
                print(
                    f"| GET {path.split('?')[0]} | {name} | {rps:.0f} | "
                    f"{statistics.mean(r['p50'] for r in found):.1f} | "
                    f"{statistics.mean(r['p99'] for r in found):.1f} | "
                    f"{statistics.mean(r['cpu0'] for r in found):.2f} | "
                    f"{statistics.mean(r['cpu1'] for r in found):.2f} | "
                    f"{rps / anchor_rps:.0%} |",
                    flush=True,
                )
        if args.keep:
            print(
                f"DATABASE_URL={env['DATABASE_URL']} CORE_DATABASE_URL={env['CORE_DATABASE_URL']}"
            )
            print(f"TOKEN={tenant.token}")
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
            for path, label in ((STUDENTS, "students"), (ME, "me")):
                for pid, who in ((service_pid[path], "service"), (gateway_pid, "gateway")):
                    profile(
                        pid,
                        args.profile / f"{label}-{who}.speedscope.json",
                        gateway + path,
                        tenant.token,
                        args.connections,
                        args.duration,
                    )
    finally:
        if anchor is not None:
            procs.append(anchor)
        sb.stop_services(procs)
        if not args.keep:
            await sb.drop_databases([core_db, tenant_db])


if __name__ == "__main__":
    asyncio.run(main())
