"""Stopping is bounded: a service, `studyspot up`, and everything they started end in time.

The fault these close: a student service holding a request that never ended
(an import being read, a client gone quiet mid-body) ignored the SIGTERM it got
when the system was stopped, and lived on as an orphan. Real processes, real
signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import textwrap
import time

import httpx

from studyspot.runner import ManagedProcess, Plan, ProcessSpec, Supervisor, studyspot_argv
from tests.fixtures.databases import DbSet
from tests.fixtures.processes import alive, descendants, free_port_offset
from tests.fixtures.system import ROOT, Logs, base_env, free_port, start_process


async def _gone(pids: list[int], within: float) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not [p for p in pids if alive(p)]:
            return []
        await asyncio.sleep(0.1)
    return [p for p in pids if alive(p)]


def _stuck_request(port: int) -> socket.socket:
    """A client that announces a body and sends only part of it: the request never ends."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"POST /api/v1/students HTTP/1.1\r\nHost: student\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        b'{"name": "Ra'
    )
    return sock


async def _serve_student(dbs: DbSet, logs: Logs, grace: str) -> ManagedProcess:
    port = free_port()
    spec = ProcessSpec(
        "student",
        studyspot_argv("serve", "student", "--port", str(port)),
        base_env(dbs, {"STUDYSPOT_SHUTDOWN_GRACE_SECONDS": grace}),
        port,
        cwd=ROOT,
    )
    return await start_process(spec, logs)


async def test_a_service_with_a_request_stuck_mid_body_stops_within_its_grace(
    dbs: DbSet,
) -> None:
    logs = Logs()
    service = await _serve_student(dbs, logs, grace="1")
    assert service.proc is not None and service.spec.port is not None
    try:
        sock = _stuck_request(service.spec.port)
        await asyncio.sleep(0.5)
        # The import reader waiting for work is a child of the service: it goes too.
        children = descendants(service.proc.pid)
        started = time.monotonic()
        service.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(service.proc.wait(), 1 + 2 + 3)  # grace, margin, a slow box
        except TimeoutError:
            raise AssertionError(
                f"still running {time.monotonic() - started:.1f} s after SIGTERM:\n"
                + logs.text("student")[-2000:]
            ) from None
        assert await _gone(children, 3) == []
        sock.close()
    finally:
        await service.stop(grace=1)


async def test_a_service_left_by_a_killed_supervisor_stops_with_its_reader(dbs: DbSet) -> None:
    """The parent-death signal a service gets is SIGTERM: it must be enough, stuck request or not."""
    logs = Logs()
    service = await _serve_student(dbs, logs, grace="1")
    assert service.proc is not None and service.spec.port is not None
    try:
        sock = _stuck_request(service.spec.port)
        await asyncio.sleep(0.5)
        tree = [service.proc.pid, *descendants(service.proc.pid)]
        assert len(tree) >= 2
        # What the kernel sends when `studyspot up` is SIGKILLed, to the service alone.
        os.kill(service.proc.pid, signal.SIGTERM)
        assert await _gone(tree, 1 + 2 + 3) == [], logs.text("student")[-2000:]
        sock.close()
    finally:
        await service.stop(grace=1)


_STUBBORN = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    grandchild = subprocess.Popen([sys.executable, "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(3600)"])
    print("grandchild", grandchild.pid, flush=True)
    while True:
        time.sleep(1)
    """
)


async def test_up_stops_processes_that_ignore_sigterm_and_their_children_within_the_grace() -> None:
    lines: list[tuple[str, str]] = []

    def output(name: str, line: str) -> None:
        lines.append((name, line))

    supervisor = Supervisor(Plan(services={}, gateway_port=free_port(), worker=False), output)

    def stubborn(name: str) -> ManagedProcess:
        spec = ProcessSpec(name, [sys.executable, "-c", _STUBBORN], dict(os.environ))
        return ManagedProcess(spec, output)

    supervisor.gateway = stubborn("gateway")
    supervisor.services = [stubborn("student"), stubborn("booking")]
    for p in supervisor.processes:
        await p.start()
    deadline = time.monotonic() + 30
    while sum(line.startswith("grandchild") for _, line in lines) < 3:
        assert time.monotonic() < deadline, lines
        await asyncio.sleep(0.1)
    pids = [p.pid for p in supervisor.processes if p.pid] + [
        int(line.split()[1]) for _, line in lines if line.startswith("grandchild")
    ]
    assert len(pids) == 6 and all(alive(p) for p in pids)

    started = time.monotonic()
    await supervisor.stop_all(grace=2.0)
    assert time.monotonic() - started < 2.0 + 2.0
    assert await _gone(pids, 1) == []


async def test_a_second_signal_while_up_is_stopping_kills_everything_at_once(
    dbs: DbSet,
) -> None:
    offset = _free_offset()
    up = await asyncio.create_subprocess_exec(
        *studyspot_argv("up", "--only", "student", "--no-worker", "--no-migrate"),
        env=base_env(
            dbs,
            {
                "LOG_LEVEL": "INFO",
                "STUDYSPOT_PORT_OFFSET": str(offset),
                # The stuck request would hold the student past the supervisor's grace,
                # which is long enough that only the second signal can end `up` soon.
                "STUDYSPOT_SHUTDOWN_GRACE_SECONDS": "120",
                "STUDYSPOT_STOP_GRACE_SECONDS": "60",
            },
        ),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    assert up.stdout is not None
    seen: list[str] = []
    try:
        while not any("StudySpot is up" in line for line in seen):
            raw = await asyncio.wait_for(up.stdout.readline(), 120)
            assert raw, "\n".join(seen[-40:])
            seen.append(raw.decode(errors="replace").rstrip())
        sock = _stuck_request(3004 + offset)
        await asyncio.sleep(0.5)
        tree = descendants(up.pid)
        assert len(tree) >= 3  # gateway, student, the student's import reader
        up.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.3)
        started = time.monotonic()
        up.send_signal(signal.SIGINT)  # Ctrl-C again: do not wait for the grace
        await asyncio.wait_for(up.wait(), 40)
        # Not the 60 s grace; the margin is for a loaded machine (6.2 s seen under load).
        assert time.monotonic() - started < 20
        assert await _gone(tree, 2) == []
        sock.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(up.pid, signal.SIGKILL)
        await up.wait()


def _free_offset() -> int:
    return free_port_offset(lambda offset: [3000 + offset, 3004 + offset])


async def test_an_idle_service_still_stops_gracefully_not_by_the_hard_exit(dbs: DbSet) -> None:
    logs = Logs()
    service = await _serve_student(dbs, logs, grace="5")
    try:
        async with httpx.AsyncClient(base_url=service.spec.url, timeout=10) as http:
            assert (await http.get("/health")).status_code == 200
    finally:
        started = time.monotonic()
        code = await service.stop(grace=10)
    # uvicorn re-raises the SIGTERM it handled once it has shut down.
    assert code in (0, -signal.SIGTERM), logs.text("student")[-2000:]
    assert time.monotonic() - started < 5
