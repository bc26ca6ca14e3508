"""`studyspot up` as a user runs it: real processes, real ports (offset), signals."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import httpx

from studyspot.cli import available_services
from studyspot.runner import instance_ports, studyspot_argv
from tests.fixtures.databases import DbSet
from tests.fixtures.processes import free_port_offset
from tests.fixtures.system import ROOT, base_env

STARTED = re.compile(r"started (\S+) \(pid (\d+)\)")


def _free_offset(services: list[str], workers: int) -> int:
    return free_port_offset(
        lambda offset: (
            [3000 + offset] + [p for s in services for p in instance_ports(s, workers, offset)]
        )
    )


def _orphans(supervisor_pid: int) -> list[int]:
    """Processes still carrying the supervisor's mark in their environment."""
    mark = f"STUDYSPOT_SUPERVISOR_PID={supervisor_pid}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if mark in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


class Up:
    def __init__(self, dbs: DbSet, *args: str) -> None:
        self.dbs = dbs
        self.args = args
        self.lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *studyspot_argv("up", *self.args),
            env=base_env(self.dbs, {"LOG_LEVEL": "INFO"}),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc and self.proc.stdout
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())

    async def wait_for(self, pattern: str, within: float = 120) -> re.Match[str]:
        deadline = time.monotonic() + within
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            for line in self.lines:
                if m := rx.search(line):
                    return m
            assert self.proc is not None
            if self.proc.returncode is not None:
                break
            await asyncio.sleep(0.1)
        raise AssertionError(f"never saw {pattern!r}:\n" + "\n".join(self.lines[-80:]))

    def pids(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.lines:
            if m := STARTED.search(line):
                out[m.group(1)] = int(m.group(2))
        return out

    async def finish(self, sig: int = signal.SIGTERM, within: float = 30) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        try:
            code = await asyncio.wait_for(self.proc.wait(), within)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self._reader:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._reader, 5)
        return code


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _health_once_up(
    gateway: str, services: list[str], lines: list[str], within: float = 30
) -> dict[str, Any]:
    """The gateway's detailed report once each of `services` answers its probe.

    A probe waits 1 s; on a loaded machine a service that is up can miss that once,
    so the report is read again until the deadline, and the last one is what fails,
    with what `up` said about the services still down (`lines`).
    """
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=gateway, timeout=10) as http:
        while True:
            report: dict[str, Any] = (await http.get("/health/detailed")).json()
            down = [s for s in services if report["services"][s]["status"] != "up"]
            if not down or time.monotonic() > deadline:
                told = [x for x in lines if any(s in x for s in down)]
                assert not down, (
                    {s: report["services"][s] for s in down},
                    "\n".join(told[-40:]),
                )
                return report
            await asyncio.sleep(0.5)


async def test_up_starts_everything_restarts_a_crashed_service_and_stops_cleanly(
    dbs: DbSet,
) -> None:
    services = [s for s in available_services() if s != "gateway"]
    offset = _free_offset(services, 1)
    up = Up(dbs, "--port-offset", str(offset))
    await up.start()
    try:
        await up.wait_for(r"StudySpot is up: API http://127\.0\.0\.1:(\d+)")
        gateway = f"http://127.0.0.1:{3000 + offset}"
        assert any(f"docs {gateway}/docs" in line for line in up.lines)
        await _health_once_up(gateway, services, up.lines)
        async with httpx.AsyncClient(base_url=gateway, timeout=10) as http:
            # The last service to arrive (community) is routed and answers for itself.
            assert (await http.get("/api/communities")).json()["code"] == "missing_token"
        pids = up.pids()
        assert set(services) | {"gateway"} <= set(pids)
        # Each log line carries the name of the process it came from.
        assert any(line.startswith("gateway ") for line in up.lines)

        victim = services[0]
        os.kill(pids[victim], signal.SIGKILL)
        await up.wait_for(rf"{victim} exited with code -9; restarting in 1 s")
        await up.wait_for(rf"{victim} is back \(pid \d+\)")
        await _health_once_up(gateway, [victim], up.lines)
    finally:
        code = await up.finish(signal.SIGTERM)
    assert code == 0
    assert any("stopped everything" in line for line in up.lines)
    assert up.proc is not None
    assert _orphans(up.proc.pid) == []
    assert not [name for name, pid in up.pids().items() if _alive(pid)]


async def test_up_with_workers_and_a_killed_supervisor_leaves_no_process(dbs: DbSet) -> None:
    service = "tenant" if "tenant" in available_services() else available_services()[0]
    offset = _free_offset([service], 2)
    up = Up(dbs, "--only", service, "--workers", "2", "--port-offset", str(offset), "--no-worker")
    await up.start()
    try:
        await up.wait_for("StudySpot is up")
        ports = instance_ports(service, 2, offset)
        assert ports[1] == ports[0] + 1
        report = await _health_once_up(f"http://127.0.0.1:{3000 + offset}", [service], up.lines)
        instances = report["services"][service]["instances"]
        assert [i["instance"] for i in instances] == [f"{service}-1", f"{service}-2"]
        assert all(i["status"] == "up" for i in instances)
        assert report["services"]["auth" if service != "auth" else "student"]["status"] == (
            "not_running"
        )
    finally:
        # The worst case: the supervisor is killed outright and cannot clean up.
        assert up.proc is not None
        with contextlib.suppress(ProcessLookupError):
            up.proc.send_signal(signal.SIGKILL)
        await up.proc.wait()
    for _ in range(75):  # the kernel's SIGTERM reaches them; allow them 15 s to exit
        if not _orphans(up.proc.pid):
            break
        await asyncio.sleep(0.2)
    assert _orphans(up.proc.pid) == []
    await up.finish()


def test_unknown_service_in_only_is_refused() -> None:
    import subprocess

    result = subprocess.run(
        studyspot_argv("up", "--only", "nonsense", "--no-migrate"),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "not available: nonsense" in result.stdout + result.stderr
