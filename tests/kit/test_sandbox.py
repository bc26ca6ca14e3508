"""kit.sandbox: a parser gone wrong is stopped by its limits and never outlives the service."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from pathlib import Path

import pytest

from studyspot.kit.sandbox import Sandbox, SandboxLimitExceeded, SandboxLimits
from tests.fixtures.processes import alive

ROOT = Path(__file__).resolve().parents[2]
TARGETS = "tests.kit.sandbox_targets"


def _environ(pid: int) -> bytes:
    return Path(f"/proc/{pid}/environ").read_bytes()


async def test_a_child_answers_and_the_next_one_is_already_waiting() -> None:
    sandbox = Sandbox(f"{TARGETS}:echo", SandboxLimits())
    assert await sandbox.run("arg", b"data") == b"arg|data"
    await asyncio.sleep(0)  # the spare starts after the run
    assert sandbox._warming is not None
    await sandbox._warming
    started = time.monotonic()
    assert await sandbox.run("again", b"") == b"again|"
    assert time.monotonic() - started < 1.0
    sandbox.kill_all()


async def test_a_parse_that_never_ends_is_killed_at_the_deadline() -> None:
    sandbox = Sandbox(f"{TARGETS}:spin", SandboxLimits(cpu_seconds=30, wall_seconds=1.0))
    await sandbox.warm()
    started = time.monotonic()
    with pytest.raises(SandboxLimitExceeded) as exc:
        await sandbox.run("", b"")
    assert exc.value.limit == "time"
    assert time.monotonic() - started < 3.0
    assert not sandbox.running - ({sandbox._spare} if sandbox._spare else set())
    sandbox.kill_all()


async def test_a_parse_that_burns_cpu_is_stopped_by_rlimit_cpu() -> None:
    sandbox = Sandbox(f"{TARGETS}:spin", SandboxLimits(cpu_seconds=1, wall_seconds=120.0))
    with pytest.raises(SandboxLimitExceeded) as exc:
        await sandbox.run("", b"")
    assert exc.value.limit == "cpu"
    sandbox.kill_all()


async def test_a_parse_that_inflates_into_memory_is_stopped_by_rlimit_as() -> None:
    sandbox = Sandbox(f"{TARGETS}:hog", SandboxLimits(memory_bytes=256 * 1024 * 1024))
    with pytest.raises(SandboxLimitExceeded) as exc:
        await sandbox.run("", b"")
    assert exc.value.limit == "memory"
    sandbox.kill_all()


async def test_an_answer_larger_than_the_bound_is_refused() -> None:
    sandbox = Sandbox(f"{TARGETS}:flood", SandboxLimits(max_output_bytes=1024 * 1024))
    with pytest.raises(SandboxLimitExceeded) as exc:
        await sandbox.run("", b"")
    assert exc.value.limit == "output"
    sandbox.kill_all()


async def test_a_cancelled_request_takes_its_child_with_it() -> None:
    sandbox = Sandbox(f"{TARGETS}:spin", SandboxLimits(wall_seconds=60.0))
    await sandbox.warm()
    assert sandbox._spare is not None
    child = sandbox._spare.pid
    task = asyncio.create_task(sandbox.run("", b""))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(child)
    sandbox.kill_all()


async def test_the_child_holds_no_secret_of_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://secret@db/tenant")
    monkeypatch.setenv("JWT_PRIVATE_KEY", "very-secret")
    sandbox = Sandbox(f"{TARGETS}:echo", SandboxLimits())
    await sandbox.warm()
    assert sandbox._spare is not None
    environ = _environ(sandbox._spare.pid)
    assert b"DATABASE_URL" not in environ
    assert b"JWT_PRIVATE_KEY" not in environ
    sandbox.kill_all()


async def test_a_runaway_parse_dies_with_a_killed_service() -> None:
    """SIGKILL of the service (no shutdown hook runs): the kernel kills its parser."""
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from studyspot.kit.sandbox import Sandbox, SandboxLimits

        async def main():
            sandbox = Sandbox("{TARGETS}:spin", SandboxLimits(cpu_seconds=120, wall_seconds=120))
            await sandbox.warm()
            print(sandbox._spare.pid, flush=True)
            await sandbox.run("", b"")

        asyncio.run(main())
        """
    )
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    assert service.stdout is not None
    line = await asyncio.wait_for(service.stdout.readline(), 30)
    child = int(line)
    await asyncio.sleep(0.5)  # the child is parsing (spinning) now
    assert alive(child)
    service.kill()
    await service.wait()
    for _ in range(50):
        if not alive(child):
            break
        await asyncio.sleep(0.1)
    assert not alive(child), "the parser outlived the service"
