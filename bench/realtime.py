"""Realtime benchmark: N concurrent Server-Sent Event streams through one gateway.

    .venv/bin/python bench/realtime.py                       # 1,000 streams, PostgreSQL + NATS
    .venv/bin/python bench/realtime.py --streams 200 --messages 10 --embedded   # SQLite, no NATS

Starts auth, tenant, library, subscription and community as real processes (`studyspot
serve`) against fresh migrated databases, the event worker (relay to NATS JetStream) unless
`--embedded`, and the gateway in front; signs an owner up, makes a library and a group,
then opens `--streams` streams through the gateway to the group's topic (all as that
owner: `REALTIME_MAX_STREAMS_PER_USER` is raised to the stream count, the only setting
changed). It measures:

- memory per stream: the resident set (VmRSS) of the gateway and of the community service
  after the streams are open and settled, minus before, divided by the stream count;
- fan-out latency: the owner posts `--messages` posts through the gateway, one a second;
  for each, the time from the POST until each stream read its `post_created`, and the
  spread after the first stream had it (the fan-out itself, without the outbox relay's
  poll). p50, p99 and max over all (stream, message) pairs.

The load generator (one Python process, aiohttp) shares the machine's cores with the
services. Not a test: CI does not run it. Results belong in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures import databases  # noqa: E402
from tests.fixtures.system import base_env, free_port  # noqa: E402

from studyspot.runner import studyspot_argv  # noqa: E402

SERVICES = ("auth", "tenant", "library", "subscription", "community")
NATS_URL = os.environ.get("STUDYSPOT_BENCH_NATS", "nats://127.0.0.1:4222")
POST_ID = re.compile(rb'"post_id":"([0-9a-f-]{36})"')


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


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


def ok(resp: httpx.Response, status: int) -> dict[str, object]:
    if resp.status_code != status:
        raise SystemExit(
            f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text}"
        )
    found: dict[str, object] = resp.json()
    return found


def setup(gateway: str) -> tuple[dict[str, str], str]:
    with httpx.Client(base_url=gateway, timeout=30) as http:
        signup = ok(
            http.post(
                "/api/auth/register",
                json={
                    "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                    "password": "correct-horse-1",
                    "name": "Bench Owner",
                    "business_name": "Bench Library",
                },
            ),
            201,
        )
        auth = {"Authorization": f"Bearer {signup['access_token']}"}
        library = ok(
            http.post(
                "/api/v1/libraries",
                json={
                    "name": "Bench Kothrud",
                    "address": "Karve Road",
                    "city": "Pune",
                    "state": "MH",
                    "pincode": "411038",
                },
                headers=auth,
            ),
            201,
        )
        group = ok(
            http.post(
                "/api/groups",
                json={"library_id": library["id"], "name": "Bench circle"},
                headers=auth,
            ),
            201,
        )
    return auth, str(group["id"])


class Streams:
    def __init__(self, gateway: str, auth: dict[str, str], group_id: str, n: int) -> None:
        self.url = f"{gateway}/api/v1/events/stream?topics=group:{group_id}"
        self.auth = auth
        self.n = n
        self.arrivals: dict[str, list[float]] = {}
        self.opened = 0
        self.failed: list[str] = []
        self._stop = asyncio.Event()
        self.ready = asyncio.Event()

    async def _one(self, http: aiohttp.ClientSession, ready: asyncio.Event) -> None:
        try:
            async with http.get(self.url, headers=self.auth) as resp:
                if resp.status != 200:
                    self.failed.append(f"{resp.status} {await resp.text()}")
                    self.ready.set()
                    return
                self.opened += 1
                if self.opened == self.n:
                    ready.set()
                while not self._stop.is_set():
                    chunk = await resp.content.readany()
                    if not chunk:
                        return
                    now = time.monotonic()
                    for found in POST_ID.finditer(chunk):
                        self.arrivals.setdefault(found.group(1).decode(), []).append(now)
        except (aiohttp.ClientError, asyncio.CancelledError) as exc:
            if not self._stop.is_set():
                self.failed.append(type(exc).__name__)
                self.ready.set()

    async def run(self, measure: asyncio.Future[None]) -> None:
        ready = self.ready
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            tasks = []
            for i in range(self.n):
                tasks.append(asyncio.create_task(self._one(http, ready)))
                if i % 50 == 49:
                    await asyncio.sleep(0.05)  # not one SYN flood: 50 at a time
            await asyncio.wait_for(ready.wait(), 120)
            try:
                await measure
            finally:
                self._stop.set()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def bench(gateway: str, pids: dict[str, int], args: argparse.Namespace) -> None:
    auth, group_id = await asyncio.to_thread(setup, gateway)
    before = {name: rss_kib(pid) for name, pid in pids.items()}
    streams = Streams(gateway, auth, group_id, args.streams)
    measured: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    runner = asyncio.create_task(streams.run(measured))
    await asyncio.wait(
        {runner, asyncio.create_task(streams.ready.wait())},
        timeout=180,
        return_when=asyncio.FIRST_COMPLETED,
    )
    if streams.failed or not streams.ready.is_set():
        raise SystemExit(f"streams refused: {streams.failed[:3]}")
    await asyncio.sleep(3)  # settle: first heartbeats, buffers allocated
    after = {name: rss_kib(pid) for name, pid in pids.items()}
    posted: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as http:
        for i in range(args.messages):
            started = time.monotonic()
            resp = await http.post(
                f"/api/groups/{group_id}/posts", json={"body": f"bench {i}"}, headers=auth
            )
            if resp.status_code != 201:
                raise SystemExit(f"post: {resp.status_code} {resp.text}")
            posted[resp.json()["id"]] = started
            await asyncio.sleep(1.0)
    await asyncio.sleep(3)  # the last one's stragglers
    measured.set_result(None)
    await runner

    end_to_end: list[float] = []
    spread: list[float] = []
    complete = 0
    for post_id, t0 in posted.items():
        times = streams.arrivals.get(post_id, [])
        complete += len(times) == args.streams
        end_to_end += [(t - t0) * 1000 for t in times]
        if times:
            first = min(times)
            spread += [(t - first) * 1000 for t in times]
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    feed = "memory (embedded, SQLite)" if args.embedded else "NATS (PostgreSQL, worker relaying)"
    print(f"streams: {args.streams} through one gateway, one community process; feed {feed}")
    print(f"messages: {args.messages}, one a second; delivered to every stream: {complete}")
    for name in pids:
        grew = after[name] - before[name]
        print(
            f"memory {name}: {before[name] / 1024:.1f} MiB -> {after[name] / 1024:.1f} MiB, "
            f"{grew / args.streams:.1f} KiB per stream"
        )
    print(
        f"POST to stream (ms): p50 {pct(end_to_end, 50):.0f}  p99 {pct(end_to_end, 99):.0f}  "
        f"max {max(end_to_end, default=0):.0f}  (n={len(end_to_end)})"
    )
    print(
        f"fan-out after the first stream (ms): p50 {pct(spread, 50):.0f}  "
        f"p99 {pct(spread, 99):.0f}  max {max(spread, default=0):.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--embedded", action="store_true", help="SQLite and the memory feed")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-realtime-"))
    dbs = databases.create("sqlite" if args.embedded else "postgres", tmp)
    tag = uuid.uuid4().hex[:10]
    extra = {
        "LOG_LEVEL": "INFO",
        "REALTIME_MAX_STREAMS_PER_USER": str(args.streams),
        "DB_POOL_SIZE": "5",
        "DB_MAX_OVERFLOW": "5",
    }
    if not args.embedded:
        extra |= {
            "NATS_URL": NATS_URL,
            "EVENTS_STREAM": f"BENCH_{tag}",
            "EVENTS_SUBJECT_PREFIX": f"bench_{tag}",
        }
    env = base_env(dbs, extra)
    ports = {s: free_port() for s in SERVICES}
    urls = {f"{s.upper()}_SERVICE_URL": f"http://127.0.0.1:{p}" for s, p in ports.items()}
    for other in ("student", "booking", "payment", "attendance", "message", "analytics"):
        urls.setdefault(f"{other.upper()}_SERVICE_URL", "")
    env |= urls
    gateway_port = free_port()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for s, p in ports.items():
            procs[s] = start(s, ["serve", s, "--port", str(p)], env, tmp)
        for p in ports.values():
            wait_health(f"http://127.0.0.1:{p}")
        if not args.embedded:
            procs["worker"] = start("worker", ["worker"], env, tmp)
        gw_env = {
            **env,
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
            "GATEWAY_AUTH_RATE_LIMIT_PER_MINUTE": "1000",
        }
        procs["gateway"] = start(
            "gateway", ["serve", "gateway", "--port", str(gateway_port)], gw_env, tmp
        )
        gateway = f"http://127.0.0.1:{gateway_port}"
        wait_health(gateway)
        pids = {"gateway": procs["gateway"].pid, "community": procs["community"].pid}
        asyncio.run(bench(gateway, pids, args))
        print(f"logs: {tmp}")
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        databases.drop(dbs)


if __name__ == "__main__":
    main()
