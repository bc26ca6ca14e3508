"""The process supervisor behind `studyspot up`: every service its own OS process.

- Each process runs in its own process group (`start_new_session`), so stopping
  it with `killpg` also stops anything it started, and a Ctrl-C in the terminal
  reaches only the supervisor, which then stops everything in order.
- Each child asks the kernel to send it SIGTERM if the supervisor dies
  (`PR_SET_PDEATHSIG` on Linux), so even a `kill -9` of the supervisor leaves
  no service running.
- Output is read line by line and printed prefixed with the process name.
- Stopping (SIGINT, SIGTERM or SIGHUP) is bounded: every group gets SIGTERM
  and, `stop_grace` seconds (`--stop-grace`, 10) after the first signal, whatever is left of it
  gets SIGKILL; a second signal while stopping kills at once. Services stop
  their own requests sooner (`kit/serving.py`), so SIGKILL is the backstop.
- A process that exits on its own is restarted after 1, 2, 4 … 30 s; the delay
  starts again at 1 s once a process has stayed up for a minute.

Ports: with one instance per service, each service listens on its plan port
(ARCHITECTURE §1) plus `port_offset`. With `--workers N` (N > 1), instance k
(0-based) of the service whose plan port is 3000 + i listens on
`3000 + 100 * i + k` plus the offset: auth 3100…, tenant 3300…, student 3400….
The gateway is always on 3000 plus the offset.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import aiohttp

from studyspot.kit.settings import SERVICE_PORTS

Output = Callable[[str, str], None]

# Run in the child before the CLI: ask for SIGTERM when the supervisor goes away,
# and leave at once if it is already gone (the race between fork and prctl).
_CHILD_PRELUDE = (
    "import os, signal, sys\n"
    "parent = int(os.environ.get('STUDYSPOT_SUPERVISOR_PID', '0'))\n"
    "try:\n"
    "    import ctypes\n"
    "    ctypes.CDLL(None).prctl(1, signal.SIGTERM)\n"  # PR_SET_PDEATHSIG
    "except (AttributeError, OSError):\n"
    "    pass\n"
    "if parent and os.getppid() != parent:\n"
    "    sys.exit(0)\n"
    "from studyspot.cli import app\n"
    "app(prog_name='studyspot')\n"
)

RESTART_MIN_SECONDS = 1.0
RESTART_MAX_SECONDS = 30.0
STABLE_SECONDS = 60.0
STOP_GRACE_SECONDS = 10.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
HEALTH_TIMEOUT_SECONDS = 60.0


def studyspot_argv(*args: str) -> list[str]:
    """The command line of a `studyspot …` child, independent of PATH."""
    return [sys.executable, "-c", _CHILD_PRELUDE, *args]


def instance_ports(service: str, workers: int, offset: int = 0) -> list[int]:
    plan = SERVICE_PORTS[service]
    if service == "gateway" or workers <= 1:
        return [plan + offset]
    return [3000 + 100 * (plan - 3000) + k + offset for k in range(workers)]


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int | None = None
    cwd: Path | None = None
    # What its /health must name: a port taken by another process (another copy of the
    # system) answers 200 too, for another service, while this one fails to bind.
    service: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class ManagedProcess:
    """One child process: start, wait for /health, stop its whole group."""

    def __init__(self, spec: ProcessSpec, output: Output) -> None:
        self.spec = spec
        self._output = output
        self.proc: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None
        self.started_at = 0.0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        env = {**self.spec.env, "STUDYSPOT_SUPERVISOR_PID": str(os.getpid())}
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.proc = await asyncio.create_subprocess_exec(
            *self.spec.argv,
            env=env,
            cwd=self.spec.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            limit=1024 * 1024,
        )
        self.started_at = time.monotonic()
        self._pump = asyncio.create_task(self._read(self.proc))

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while True:
            try:
                line = await proc.stdout.readline()
            except (ValueError, asyncio.LimitOverrunError):
                continue  # an absurdly long line: skip it rather than stop reading
            if not line:
                return
            self._output(self.spec.name, line.decode("utf-8", "replace").rstrip("\n"))

    async def wait(self) -> int:
        assert self.proc is not None
        code = await self.proc.wait()
        if self._pump is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._pump), 1.0)
        return code

    async def wait_healthy(self, within: float = HEALTH_TIMEOUT_SECONDS) -> bool:
        """True once GET /health answers 200; False if the process died or time ran out."""
        if self.spec.port is None:
            return self.running
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while time.monotonic() < deadline:
                if not self.running:
                    return False
                try:
                    async with http.get(self.spec.url + "/health") as resp:
                        if resp.status == 200 and await self._is_ours(resp):
                            return True
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.1)
        return False

    async def _is_ours(self, resp: aiohttp.ClientResponse) -> bool:
        if self.spec.service is None:
            return True
        try:
            body = await resp.json(content_type=None)
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("service") == self.spec.service

    def signal_group(self, sig: int) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> int | None:
        """SIGTERM the group, SIGKILL it after `grace` seconds; the exit code."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.signal_group(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), grace)
            except TimeoutError:
                self.signal_group(signal.SIGKILL)
                await self.proc.wait()
        # Whatever the leader left behind in its group goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self._pump is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._pump, 1.0)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL the whole group at once (a crash, for tests)."""
        self.signal_group(signal.SIGKILL)


@dataclass
class Plan:
    """What `studyspot up` runs: services (with instances), the worker, the gateway."""

    services: dict[str, list[int]]
    gateway_port: int
    worker: bool
    env: dict[str, str] = field(default_factory=dict)

    def service_env(self) -> dict[str, str]:
        """`<NAME>_SERVICE_URL` for every routed service, as services and the gateway see them."""
        out: dict[str, str] = {}
        for name in SERVICE_PORTS:
            if name == "gateway":
                continue
            ports = self.services.get(name, [])
            out[f"{name.upper()}_SERVICE_URL"] = ",".join(f"http://127.0.0.1:{p}" for p in ports)
        return out

    def specs(self) -> tuple[list[ProcessSpec], ProcessSpec | None, ProcessSpec]:
        urls = self.service_env()
        # A service calling one that is not running must fail fast, not reach whatever
        # listens on that plan port (another copy of the system, under a port offset).
        for_services = {k: v or "http://127.0.0.1:9" for k, v in urls.items()}
        services: list[ProcessSpec] = []
        for name, ports in self.services.items():
            for k, port in enumerate(ports):
                label = name if len(ports) == 1 else f"{name}#{k + 1}"
                services.append(
                    ProcessSpec(
                        label,
                        studyspot_argv("serve", name, "--port", str(port)),
                        # Services sit behind the gateway, which sends the client's address
                        # in X-StudySpot-Client-IP; auth throttles logins per that address.
                        {"AUTH_BEHIND_GATEWAY": "true", **self.env, **for_services},
                        port,
                        service=name,
                    )
                )
        worker = (
            ProcessSpec("worker", studyspot_argv("worker"), {**self.env, **for_services})
            if self.worker
            else None
        )
        gateway = ProcessSpec(
            "gateway",
            studyspot_argv("serve", "gateway", "--port", str(self.gateway_port)),
            {**self.env, **urls},
            self.gateway_port,
            service="gateway",
        )
        return services, worker, gateway


def make_plan(
    available: Sequence[str],
    *,
    only: Sequence[str] = (),
    workers: int = 1,
    port_offset: int = 0,
    worker: bool = True,
    env: dict[str, str] | None = None,
) -> Plan:
    routed = [s for s in available if s != "gateway"]
    unknown = [s for s in only if s not in routed]
    if unknown:
        raise ValueError(
            f"not available: {', '.join(unknown)} (available: {', '.join(routed) or 'none'})"
        )
    chosen = [s for s in routed if not only or s in only]
    return Plan(
        services={s: instance_ports(s, workers, port_offset) for s in chosen},
        gateway_port=SERVICE_PORTS["gateway"] + port_offset,
        worker=worker,
        env=dict(os.environ if env is None else env),
    )


class Printer:
    """Prefixes each line with its process name (coloured on a terminal)."""

    _COLOURS = (36, 32, 33, 35, 34, 91, 92, 93, 94, 95, 96, 31)

    def __init__(self, stream: TextIO | None = None, width: int = 12) -> None:
        self._stream = stream or sys.stdout
        self._width = width
        self._colour: dict[str, int] = {}
        self._tty = self._stream.isatty()

    def __call__(self, name: str, line: str) -> None:
        prefix = f"{name:<{self._width}}|"
        if self._tty:
            colour = self._colour.setdefault(
                name.split("#")[0], self._COLOURS[len(self._colour) % len(self._COLOURS)]
            )
            prefix = f"\x1b[{colour}m{prefix}\x1b[0m"
        self._stream.write(f"{prefix} {line}\n")
        self._stream.flush()


class Supervisor:
    def __init__(
        self, plan: Plan, output: Output | None = None, *, stop_grace: float = STOP_GRACE_SECONDS
    ) -> None:
        self.plan = plan
        self.stop_grace = stop_grace
        self.output: Output = output or Printer()
        services, worker, gateway = plan.specs()
        self.services = [ManagedProcess(s, self.output) for s in services]
        self.worker = ManagedProcess(worker, self.output) if worker else None
        self.gateway = ManagedProcess(gateway, self.output)
        self._stopping = asyncio.Event()
        self._watchers: list[asyncio.Task[None]] = []

    @property
    def processes(self) -> list[ManagedProcess]:
        return [*self.services, *([self.worker] if self.worker else []), self.gateway]

    def say(self, text: str) -> None:
        self.output("studyspot", text)

    async def start_all(self) -> bool:
        """Start services and worker, wait for their health, then the gateway."""
        first = [*self.services, *([self.worker] if self.worker else [])]
        for p in first:
            await p.start()
            self.say(f"started {p.spec.name} (pid {p.pid}){_on(p.spec)}")
        healthy = await asyncio.gather(*(p.wait_healthy() for p in self.services))
        for p, ok in zip(self.services, healthy, strict=True):
            if not ok:
                self.say(f"{p.spec.name} did not answer /health; it is restarted below if it died")
        await self.gateway.start()
        self.say(f"started gateway (pid {self.gateway.pid}){_on(self.gateway.spec)}")
        if not await self.gateway.wait_healthy():
            self.say("the gateway did not start")
            return False
        self._watchers = [asyncio.create_task(self._watch(p)) for p in self.processes]
        return all(healthy)

    async def _watch(self, proc: ManagedProcess) -> None:
        delay = RESTART_MIN_SECONDS
        attempt = 0
        while not self._stopping.is_set():
            code = await proc.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - proc.started_at >= STABLE_SECONDS:
                delay, attempt = RESTART_MIN_SECONDS, 0
            attempt += 1
            self.say(
                f"{proc.spec.name} exited with code {code}; "
                f"restarting in {delay:.0f} s (restart {attempt})"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                return
            delay = min(delay * 2, RESTART_MAX_SECONDS)
            await proc.start()
            if await proc.wait_healthy():
                self.say(f"{proc.spec.name} is back (pid {proc.pid})")

    async def stop_all(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop every process group within `grace` seconds in all, SIGKILLing the rest.

        The gateway goes first (no new requests reach the services), with at most
        half the grace; the services and the worker share what is left of it.
        """
        self._stopping.set()
        for task in self._watchers:
            task.cancel()
        deadline = time.monotonic() + grace
        await self.gateway.stop(grace / 2)
        rest = [p for p in self.processes if p is not self.gateway]
        remaining = max(deadline - time.monotonic(), 0.1)
        await asyncio.gather(*(p.stop(remaining) for p in rest))
        self.say("stopped everything")

    def kill_all(self) -> None:
        """SIGKILL every process group now: a second Ctrl-C while stopping."""
        for p in self.processes:
            p.kill()

    async def run(self, ready: Callable[[Supervisor], None] | None = None) -> int:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def on_signal() -> None:
            # The first signal stops in order; another one while stopping kills at once.
            if stop.is_set():
                self.say("stopping now: killing every process")
                self.kill_all()
            stop.set()

        # SIGHUP too: a closed terminal must not leave the services running unsupervised.
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, on_signal)
        code = 0
        try:
            await self.start_all()
            if self.gateway.running:
                if ready is not None:
                    ready(self)
                await stop.wait()
            else:
                code = 1
        finally:
            stop.set()
            try:
                await self.stop_all(self.stop_grace)
            finally:
                for sig in STOP_SIGNALS:
                    loop.remove_signal_handler(sig)
        return code


def _on(spec: ProcessSpec) -> str:
    return f" on {spec.url}" if spec.port else ""
