"""A NATS outage loses nothing: events committed while the broker is down arrive after it returns.

Runs its own nats-server (JetStream, file storage in a temporary folder) on a
free port, because stopping the shared one would disturb other test runs.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest

from tests.fixtures.databases import DbSet
from tests.fixtures.events import (
    Handles,
    Recorder,
    effects,
    emit,
    eventually,
    fast_config,
    handles,
    outbox_state,
    running,
)
from tests.fixtures.system import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("nats-server") is None, reason="needs nats-server"),
]


class PrivateNats:
    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.store = store
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> None:
        binary = shutil.which("nats-server")
        assert binary is not None
        self.proc = await asyncio.create_subprocess_exec(
            binary,
            "-js",
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-sd",
            str(self.store),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

        async def accepting() -> bool:
            try:
                nc = await nats.connect(self.url, allow_reconnect=False, connect_timeout=1)
            except Exception:
                return False
            await nc.close()
            return True

        await eventually(accepting, what="nats-server to accept connections")

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()


@pytest.fixture
async def private_nats(tmp_path: Path) -> AsyncIterator[PrivateNats]:
    server = PrivateNats(tmp_path / "jetstream")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def h(clean_dbs: DbSet) -> AsyncIterator[Handles]:
    async with handles(clean_dbs.settings()) as opened:
        yield opened


async def test_events_written_while_nats_is_down_are_delivered_once_it_is_back(
    clean_dbs: DbSet, h: Handles, private_nats: PrivateNats
) -> None:
    recorder = Recorder("listener", ("booking.confirmed",))
    settings = clean_dbs.settings(nats_url=private_nats.url)

    async with running(settings, [recorder.consumer], fast_config()):
        before = await emit(h.shared, "booking.confirmed", tenant_id=uuid.uuid4())
        await eventually(lambda: effects(h.shared, before), what="delivery before the outage")

        await private_nats.stop()
        during = await emit(h.shared, "booking.confirmed", tenant_id=uuid.uuid4())
        await asyncio.sleep(0.5)
        state = await outbox_state(h.shared, during)
        assert state is not None and state.published_at is None  # waiting in the outbox
        assert state.attempts == 0  # the outage is not counted against the event

        await private_nats.start()
        await eventually(
            lambda: effects(h.shared, during), within=30, what="delivery after the outage"
        )

    assert recorder.calls == [before, during]
    assert await effects(h.shared, during) == 1
