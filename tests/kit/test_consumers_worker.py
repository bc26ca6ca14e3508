"""`studyspot worker` as a real process, and how it finds the services' consumers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import nats.js.errors
import pytest

from studyspot.cli import discover_consumers
from tests.fixtures.databases import DbSet
from tests.fixtures.events import (
    NATS_URL,
    Handles,
    emit,
    eventually,
    handles,
    outbox_state,
)

WORKER = [sys.executable, "-c", "from studyspot.cli import app; app()", "worker"]
STARTUP = 60.0  # seconds a worker process may take to start on a busy machine


@pytest.fixture
async def h(clean_dbs: DbSet) -> AsyncIterator[Handles]:
    async with handles(clean_dbs.settings()) as opened:
        yield opened


class Process:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[dict[str, object]] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            with contextlib.suppress(ValueError):
                self.lines.append(json.loads(raw))

    def logged(self, event: str) -> bool:
        return any(line.get("event") == event for line in self.lines)

    async def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), timeout=15)
        await self._reader
        return code


@contextlib.asynccontextmanager
async def worker_process(dbs: DbSet, **env: str) -> AsyncIterator[Process]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("EVENTS_", "NATS_"))}
    environ.update(dbs.env(), LOG_LEVEL="INFO", LOG_JSON="true", **env)
    proc = await asyncio.create_subprocess_exec(
        *WORKER, env=environ, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    process = Process(proc)
    try:
        yield process
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _published(h: Handles, event_id: uuid.UUID) -> bool:
    state = await outbox_state(h.core, event_id)
    return state is not None and state.published_at is not None


async def test_worker_command_works_the_outbox_and_stops_cleanly_on_sigterm(
    clean_dbs: DbSet, h: Handles
) -> None:
    async with worker_process(clean_dbs, EVENTS_POLL_MAX_SECONDS="0.1") as worker:
        # A fresh interpreter importing every consumer: seconds on a loaded 2-core runner.
        await eventually(
            lambda: _logged(worker, "events.worker_started"), within=STARTUP, what="the start"
        )
        event_id = await emit(h.core, "test_worker.ping")
        # No consumer wants this topic, so on the embedded default it is simply marked done.
        await eventually(lambda: _published(h, event_id), what="the worker to reach the event")

        assert await worker.stop() == 0
    assert worker.logged("events.worker_stopped")


async def test_worker_command_relays_to_jetstream_when_nats_url_is_set(
    clean_dbs: DbSet, h: Handles
) -> None:
    tag = uuid.uuid4().hex[:12]
    stream, prefix = f"SSTEST_{tag}", f"sstest_{tag}"
    event_id = await emit(h.core, "test_worker.ping")
    nc = await nats.connect(NATS_URL)
    try:
        async with worker_process(
            clean_dbs,
            NATS_URL=NATS_URL,
            EVENTS_STREAM=stream,
            EVENTS_SUBJECT_PREFIX=prefix,
            EVENTS_STREAM_MAX_AGE_DAYS="1",
        ) as worker:
            await eventually(lambda: _published(h, event_id), within=STARTUP, what="the relay")
            assert await worker.stop() == 0
        info = await nc.jetstream().stream_info(stream)
        assert info.state.messages == 1
        assert info.config.subjects == [f"{prefix}.>"]
    finally:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await nc.jetstream().delete_stream(stream)
        await nc.close()


async def _logged(worker: Process, event: str) -> bool:
    return worker.logged(event)


def _package(root: Path, name: str, files: dict[str, str]) -> None:
    for rel, body in files.items():
        path = root / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))


@pytest.fixture
def fake_services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"fake_services_{uuid.uuid4().hex[:8]}"
    monkeypatch.syspath_prepend(str(tmp_path))
    handler = "async def handle(event, session):\n    return None\n"
    _package(
        tmp_path,
        name,
        {
            "__init__.py": "",
            "booking/__init__.py": "",
            "booking/consumers.py": (
                "from studyspot.kit.events import Consumer\n"
                + handler
                + "CONSUMERS = [Consumer('booking_on_payment', ('payment.captured',), handle)]\n"
            ),
            "library/__init__.py": "",
            "analytics/__init__.py": "",
            "analytics/consumers.py": (
                "from studyspot.kit.events import Consumer\n"
                + handler
                + "CONSUMERS = [Consumer('analytics_all', ('booking.>', 'payment.>'), handle)]\n"
            ),
        },
    )
    return name


def test_worker_finds_the_consumers_every_service_declares(fake_services: str) -> None:
    import importlib

    found = discover_consumers(importlib.import_module(fake_services))

    assert [c.name for c in found] == ["analytics_all", "booking_on_payment"]
    assert found[0].topics == ("booking.>", "payment.>")


def test_a_service_declaring_something_else_than_consumers_is_refused(
    fake_services: str, tmp_path: Path
) -> None:
    import importlib

    _package(
        tmp_path,
        fake_services,
        {"student/__init__.py": "", "student/consumers.py": "CONSUMERS = ['x']\n"},
    )

    with pytest.raises(TypeError, match=r"student\.consumers\.CONSUMERS"):
        discover_consumers(importlib.import_module(fake_services))
