"""Gateway benchmark: the same authenticated GET straight to the service and through the gateway.

    .venv/bin/python bench/gateway.py                 # PostgreSQL, 32 connections, 10 s runs
    .venv/bin/python bench/gateway.py --backend sqlite --duration 5

Starts auth, tenant and student as real processes (`studyspot serve`) on free
ports against fresh migrated databases, plus the gateway in front of them; signs
a library owner up through the gateway; then runs wrk (installed with apt-get if
missing, else a Python load generator) alternately straight to the student
service and through the gateway, at the same concurrency, and prints requests/s,
p50 and p99 of each, the throughput ratio and the p50 the gateway adds.
Every process logs at INFO as in production; logs go to files, not to this
process, so that reading them costs no CPU during the runs.
Not a test: CI does not run it. Results belong in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures import databases  # noqa: E402
from tests.fixtures.system import base_env, free_port  # noqa: E402

from studyspot.runner import studyspot_argv  # noqa: E402

SERVICES = ("auth", "tenant", "student")
PATH = "/api/v1/students?page=1&page_size=20"


@dataclass
class Result:
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def ensure_wrk() -> str | None:
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return shutil.which("wrk")


def run_wrk(wrk: str, url: str, token: str, connections: int, seconds: int) -> Result:
    out = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return Result(url, rps, p50, p99, int(errors.group(1)) if errors else 0)


async def _python_load(url: str, token: str, connections: int, seconds: int) -> Result:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as http:

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline:
                started = time.perf_counter()
                async with http.get(url, headers=headers) as resp:
                    await resp.read()
                    errors += resp.status >= 300
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(worker() for _ in range(connections)))
    q = statistics.quantiles(latencies, n=100)
    return Result(url, len(latencies) / seconds, q[49], q[98], errors)


def start(name: str, args: list[str], env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    log = open(logs / f"{name}.log", "wb")  # noqa: SIM115 (kept open for the child's lifetime)
    return subprocess.Popen(
        studyspot_argv(*args),
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_health(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not start")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {sys.version.split()[0]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="direct/gateway pairs")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--service", choices=SERVICES, default="student")
    parser.add_argument("--path", default=PATH, help="an authenticated GET of --service")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    dbs = databases.create(args.backend, tmp)
    env = base_env(dbs, {"LOG_LEVEL": "INFO"})
    ports = {s: free_port() for s in SERVICES}
    urls = {f"{s.upper()}_SERVICE_URL": f"http://127.0.0.1:{p}" for s, p in ports.items()}
    for other in (
        "library",
        "booking",
        "payment",
        "attendance",
        "subscription",
        "message",
        "community",
        "analytics",
    ):
        urls.setdefault(f"{other.upper()}_SERVICE_URL", "")
    gateway_port = free_port()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for s, p in ports.items():
            procs.append(start(s, ["serve", s, "--port", str(p)], {**env, **urls}, tmp))
        for p in ports.values():
            wait_health(f"http://127.0.0.1:{p}")
        gw_env = {
            **env,
            **urls,
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
            "GATEWAY_AUTH_RATE_LIMIT_PER_MINUTE": "1000",
        }
        procs.append(
            start("gateway", ["serve", "gateway", "--port", str(gateway_port)], gw_env, tmp)
        )
        gateway = f"http://127.0.0.1:{gateway_port}"
        wait_health(gateway)

        signup = httpx.post(
            gateway + "/api/auth/register",
            json={
                "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                "password": "correct-horse-1",
                "name": "Bench Owner",
                "business_name": "Bench Library",
            },
            timeout=30,
        )
        signup.raise_for_status()
        token = signup.json()["access_token"]
        direct = f"http://127.0.0.1:{ports[args.service]}"
        path = args.path
        auth = {"Authorization": f"Bearer {token}"}
        for base in (direct, gateway):
            resp = httpx.get(base + path, headers=auth, timeout=10)
            if resp.status_code != 200:
                raise SystemExit(f"GET {base}{path} answered {resp.status_code}: {resp.text}")

        wrk = ensure_wrk()

        def measure(base: str) -> Result:
            if wrk:
                return run_wrk(wrk, base + path, token, args.connections, args.duration)
            return asyncio.run(_python_load(base + path, token, args.connections, args.duration))

        measure(direct)  # warm-up: connection pools, caches, JIT-less but lazy imports
        measure(gateway)
        runs: dict[str, list[Result]] = {"direct": [], "gateway": []}
        for _ in range(args.rounds):
            runs["direct"].append(measure(direct))
            runs["gateway"].append(measure(gateway))

        def summary(results: list[Result]) -> Result:
            return Result(
                results[0].target,
                statistics.mean(r.rps for r in results),
                statistics.mean(r.p50_ms for r in results),
                statistics.mean(r.p99_ms for r in results),
                sum(r.errors for r in results),
            )

        d, g = summary(runs["direct"]), summary(runs["gateway"])
        tool = "wrk -t1" if wrk else "python aiohttp load generator"
        print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
        print(f"machine: {machine()}")
        print(
            f"load: {tool}, {args.connections} connections, {args.rounds} x {args.duration} s "
            f"each way, alternating; backend {args.backend}"
        )
        print(f"request: GET {path} ({args.service}) with a library owner's bearer token")
        print(f"{'':8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
        for name, r in (("direct", d), ("gateway", g)):
            print(f"{name:8} {r.rps:9.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.errors:8d}")
        ratio = g.rps / d.rps if d.rps else 0.0
        added = g.p50_ms - d.p50_ms
        print(f"throughput through the gateway: {ratio:.0%} of direct (target >= 70%)")
        print(f"added p50 latency: {added:.2f} ms (target < 1 ms)")
        if args.json:
            print(
                json.dumps(
                    {
                        "direct": d.__dict__,
                        "gateway": g.__dict__,
                        "ratio": ratio,
                        "added_p50_ms": added,
                    }
                )
            )
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        databases.drop(dbs)


if __name__ == "__main__":
    main()
