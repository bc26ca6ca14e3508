"""Run a parser of untrusted input in a child process that cannot hurt the service.

A runaway parse in a worker thread holds the GIL and the process's memory,
and survives the request that started it; the gateway then answers 504 while
the service burns a core. Here the work runs in a fresh interpreter instead:
- a lower CPU priority (nice 5), so the service's requests come first;
- limits from the kernel: `RLIMIT_CPU` (SIGXCPU, then SIGKILL), `RLIMIT_AS`
  (allocation fails with MemoryError), no core files, no file writes;
- a wall-clock deadline, after which the child is SIGKILLed; the same when
  the request is cancelled (client gone, service stopping);
- `PR_SET_PDEATHSIG(SIGKILL)`: if the service dies, even by SIGKILL, the
  kernel kills the child. The child stays in the service's process group, so
  `studyspot up` stopping that group stops it too;
- an environment with nothing but PATH and the locale: no database URL,
  no signing key, should a parser bug ever let the input run code;
- output read up to a bound, so a child cannot flood the service's memory.

The target is `module:function(argument: str, data: bytes) -> bytes`; it should
import only what it needs (the standard library). Even so an interpreter takes
0.1-1 s to start on a busy machine, so one child is kept started ahead, its
target imported, waiting on stdin for its one job (`warm`; each run starts the
next). Children are spawned from the event loop's thread: the kernel's
parent-death signal follows the thread that forked, and the loop's thread lives
as long as the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass

import structlog

log = structlog.get_logger("studyspot.sandbox")

# Exit code of a child whose target ran out of memory (RLIMIT_AS).
_OUT_OF_MEMORY = 86

_CHILD = f"""
import os, resource, signal, sys
try:
    import ctypes
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
except (AttributeError, OSError):
    pass
if os.getppid() != int(sys.argv[1]):
    os._exit(1)  # the service died between fork and prctl
cpu, memory = int(sys.argv[2]), int(sys.argv[3])
os.nice(5)  # the service's own requests come first on a busy machine
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
module, _, function = sys.argv[4].partition(":")
try:
    target = getattr(__import__(module, fromlist=[function]), function)
    # Ready (one byte out): wait for the job, one line of argument and then the data.
    sys.stdout.buffer.write(b"+")
    sys.stdout.buffer.flush()
    argument = sys.stdin.buffer.readline().decode().rstrip("\\n")
    data = sys.stdin.buffer.read()
    out = target(argument, data)
except MemoryError:
    os._exit({_OUT_OF_MEMORY})
sys.stdout.buffer.write(out)
sys.stdout.buffer.flush()
os._exit(0)  # the answer is out; skip the interpreter's tidy-up
"""


@dataclass(frozen=True)
class SandboxLimits:
    cpu_seconds: int = 20
    wall_seconds: float = 20.0
    memory_bytes: int = 512 * 1024 * 1024
    max_output_bytes: int = 64 * 1024 * 1024


class SandboxLimitExceeded(Exception):
    """The child was stopped by one of its limits; `limit` names which, for the caller's answer."""

    def __init__(self, limit: str, detail: str) -> None:
        super().__init__(detail)
        self.limit = limit
        self.detail = detail


class SandboxFailed(RuntimeError):
    """The child failed for a reason that is not a limit: a bug, reported as one."""


def _child_env() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV")
    return {k: os.environ[k] for k in keep if k in os.environ}


class Sandbox:
    """Runs `target` in limited children, at most `parallel` at a time per process."""

    def __init__(self, target: str, limits: SandboxLimits, parallel: int = 2) -> None:
        self.target = target
        self.limits = limits
        self.parallel = parallel
        self._slots: asyncio.Semaphore | None = None
        self._spare: asyncio.subprocess.Process | None = None
        self._warming: asyncio.Task[None] | None = None
        self.running: set[asyncio.subprocess.Process] = set()

    async def warm(self) -> None:
        """Have one child started, its target imported, waiting for the next run."""
        if self._spare is None or self._spare.returncode is not None:
            proc = await self._spawn()
            try:
                await asyncio.wait_for(self._ready(proc), self.limits.wall_seconds)
            except BaseException:
                self._discard(proc)
                raise
            self._spare = proc

    @staticmethod
    async def _ready(proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        if await proc.stdout.read(1) != b"+":
            raise OSError("the sandbox child did not start")

    def _discard(self, proc: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        self.running.discard(proc)

    def _warm_later(self) -> None:
        if self._warming is None or self._warming.done():
            self._warming = asyncio.create_task(self._warm_quietly())

    async def _warm_quietly(self) -> None:
        try:
            await self.warm()
        except OSError as exc:  # no process to spare now: the next run starts its own
            log.warning("sandbox_warm_failed", error=str(exc))

    async def _spawn(self) -> asyncio.subprocess.Process:
        limits = self.limits
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-s",
            "-c",
            _CHILD,
            str(os.getpid()),
            str(limits.cpu_seconds),
            str(limits.memory_bytes),
            self.target,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_child_env(),
        )
        self.running.add(proc)
        return proc

    async def run(self, argument: str, data: bytes) -> bytes:
        """The target's answer for (`argument`, `data`), or a limit or failure raised."""
        if "\n" in argument:
            raise ValueError("the argument must be one line")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.parallel)
        async with self._slots:
            proc, self._spare = self._spare, None
            if proc is None or proc.returncode is not None:
                proc = await self._spawn()
                try:
                    # A child that never says it started must not hold a slot for ever.
                    await asyncio.wait_for(self._ready(proc), self.limits.wall_seconds)
                except BaseException:
                    self._discard(proc)
                    raise
            try:
                return await self._run(proc, argument.encode() + b"\n" + data)
            finally:
                # After the job, not during it: on two cores a starting interpreter
                # would take the CPU this job needs.
                self._warm_later()

    async def _run(self, proc: asyncio.subprocess.Process, job: bytes) -> bytes:
        limits = self.limits
        try:
            try:
                output, errors = await asyncio.wait_for(
                    self._exchange(proc, job), limits.wall_seconds
                )
            except TimeoutError:
                raise SandboxLimitExceeded(
                    "time", f"reading took longer than {limits.wall_seconds:g} s"
                ) from None
        finally:
            # Whatever happened (deadline, cancellation, a bug here): the child goes.
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await self._reap(proc)
            self.running.discard(proc)
        return self._result(proc.returncode, output, errors)

    @staticmethod
    async def _reap(proc: asyncio.subprocess.Process) -> None:
        """Wait for a killed child, reading what is left in its pipes.

        Python 3.11's `wait()` returns only once every pipe is closed, and a pipe
        whose reader stopped (an answer over the bound, a deadline) is paused with
        data in it: it would never see its end, and `wait()` would never return.
        """

        async def drain(stream: asyncio.StreamReader | None) -> None:
            if stream is not None:
                while await stream.read(64 * 1024):
                    pass

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(drain(proc.stdout), drain(proc.stderr)), 5.0)
        await proc.wait()

    async def _exchange(self, proc: asyncio.subprocess.Process, data: bytes) -> tuple[bytes, bytes]:
        assert proc.stdin and proc.stdout and proc.stderr

        async def feed() -> None:
            assert proc.stdin
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                proc.stdin.write(data)
                await proc.stdin.drain()
                proc.stdin.close()

        async def bounded(stream: asyncio.StreamReader, limit: int) -> bytes:
            chunks: list[bytes] = []
            size = 0
            while chunk := await stream.read(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise SandboxLimitExceeded("output", f"the answer passed {limit} bytes")
                chunks.append(chunk)
            return b"".join(chunks)

        tasks = (
            asyncio.ensure_future(feed()),
            asyncio.ensure_future(bounded(proc.stdout, self.limits.max_output_bytes)),
            asyncio.ensure_future(bounded(proc.stderr, 1024 * 1024)),
        )
        try:
            _, output, errors = await asyncio.gather(*tasks)
        finally:
            # gather leaves the others running when one fails; a reader left
            # waiting on a pipe would collide with _reap's.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await proc.wait()
        return output, errors

    def _result(self, code: int | None, output: bytes, errors: bytes) -> bytes:
        limits = self.limits
        if code == 0:
            return output
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            raise SandboxLimitExceeded(
                "cpu", f"reading needed more than {limits.cpu_seconds} s of CPU"
            )
        if code == _OUT_OF_MEMORY:
            raise SandboxLimitExceeded(
                "memory", f"reading needed more than {limits.memory_bytes} bytes of memory"
            )
        tail = errors[-2000:].decode("utf-8", "replace")
        log.error("sandbox_child_failed", exit_code=code, stderr=tail)
        raise SandboxFailed(f"the sandboxed child exited with code {code}")

    def kill_all(self) -> None:
        """Stop every child, the waiting one included, now (service shutdown)."""
        if self._warming is not None:
            self._warming.cancel()
        for proc in list(self.running):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
